#!/bin/sh
# Runs `boltz` with the weights baked into the image. The scheduler passes the arguments
# (`predict /job/input.yaml --out_dir /job/out ...`); the cache is always this image's own, and a
# missing file that Boltz would download stops the job here (exit 3) rather than in a container
# with no network. `selftest` folds a small protein–ligand complex with affinity, offline, and
# checks Boltz wrote what gpuq reads.
set -eu
cache=${BOLTZ_CACHE:?BOLTZ_CACHE is not set}
for need in boltz2_conf.ckpt boltz2_aff.ckpt mols.tar mols/ALA.pkl mols/UNK.pkl; do
  if [ ! -s "$cache/$need" ]; then
    echo "gpuq-boltz: $cache/$need is missing: this image was built without Boltz's weights and molecules" >&2
    exit 3
  fi
done
# The root file system is read-only: every cache goes to the tmpfs at /tmp.
export HOME=/tmp XDG_CACHE_HOME=/tmp/.cache NUMBA_CACHE_DIR=/tmp/numba TRITON_CACHE_DIR=/tmp/triton

selftest() {
  dir=$(mktemp -d /tmp/selftest.XXXXXX)
  cat > "$dir/tiny.yaml" <<'YAML'
version: 1
sequences:
  - protein:
      id: "A"
      sequence: "MVTPEGNVSLVDESLLVGVTDEDRAVRSAHQFYERLIGLWAPAVMEAAHELGVFAALAEAPADSGELARRLDCDARAMRVLLDALYAYDVIDRIHDTNGFRYLLSAEARECLLPGTLFSLVGKFMHDINVAWPAWRNLAEVVRHG"
      msa: "empty"
  - ligand:
      id: "B"
      smiles: "CC(=O)Oc1ccccc1C(=O)O"
properties:
  - affinity:
      binder: "B"
YAML
  boltz predict "$dir/tiny.yaml" --out_dir "$dir/out" --cache "$cache" --accelerator gpu --devices 1 \
    --recycling_steps 1 --sampling_steps 20 --diffusion_samples 2 \
    --sampling_steps_affinity 20 --diffusion_samples_affinity 1 --override
  predictions=$dir/out/boltz_results_tiny/predictions/tiny
  status=0
  for file in tiny_model_0.cif tiny_model_1.cif confidence_tiny_model_0.json confidence_tiny_model_1.json \
    plddt_tiny_model_0.npz pre_affinity_tiny.npz affinity_tiny.json; do
    if [ -s "$predictions/$file" ]; then echo "gpuq-boltz selftest: wrote $file"; else echo "gpuq-boltz selftest: $file is missing" >&2; status=1; fi
  done
  if [ "$status" = 0 ]; then
    cat "$predictions/confidence_tiny_model_0.json" "$predictions/affinity_tiny.json"
    echo "gpuq-boltz selftest: passed"
  fi
  return "$status"
}

case ${1:-} in
  predict) exec boltz "$@" --cache "$cache" ;;
  selftest) selftest ;;
  *) exec boltz "$@" ;;
esac
