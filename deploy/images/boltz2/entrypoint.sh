#!/bin/sh
# Runs `boltz` with the weights baked into the image. The scheduler passes the arguments
# (`predict /job/input.yaml --out_dir /job/out ...`); the cache is always this image's own, and a
# missing weight file stops the job here rather than starting a download at job time.
set -eu
for weights in boltz2_conf.ckpt boltz2_aff.ckpt; do
  if [ ! -s "$BOLTZ_CACHE/$weights" ]; then
    echo "gpuq-boltz: $BOLTZ_CACHE/$weights is missing: this image was built without its weights" >&2
    exit 3
  fi
done
# Libraries that cache compiled kernels want a writable home.
export HOME="${HOME:-/tmp}" NUMBA_CACHE_DIR=/tmp/numba TRITON_CACHE_DIR=/tmp/triton
if [ "${1:-}" = predict ]; then
  exec boltz "$@" --cache "$BOLTZ_CACHE"
fi
exec boltz "$@"
