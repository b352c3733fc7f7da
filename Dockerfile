# syntax=docker/dockerfile:1
# gpuq's Node apps in one image, the app chosen by the command (the API by default):
#   node apps/api/dist/server.js          the REST API (PORT 8080)
#   node apps/scheduler/dist/main.js      the scheduler (metrics on 9464)
#   node apps/solver-cpu/dist/server.js   the cuOpt-protocol solver on the CPU (SOLVER_PORT 5000)
#   node apps/model-cpu/dist/server.js    the inference-protocol model on the CPU (MODEL_PORT 5100)
# Build: docker build -t gpuq:local .
ARG NODE_IMAGE=node:20-bookworm-slim

# Every workspace's package.json and the lock, alone, so the dependency layers below stay cached
# until one of them changes, and a workspace added later needs no edit here.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir /manifests \
 && find . -name node_modules -prune -o -name package.json -print | xargs cp --parents -t /manifests \
 && cp package-lock.json /manifests/

# Compiles every workspace (tsc -b) and gathers the apps' and libraries' dist/ folders.
# --ignore-scripts: nothing needs an install script to run; ssh2's and cpu-features' optional
# native builds (under dockerode) would want a compiler the slim image lacks, and fall back to JS.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY --from=manifests /manifests/ ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npx tsc -b \
 && mkdir /dist \
 && cp -r --parents packages/*/dist apps/*/dist /dist/ \
 && find /dist -name '*.tsbuildinfo' -delete

# Production dependencies only, installed from the same lock into a clean tree.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY --from=manifests /manifests/ ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
# tini as PID 1: passes SIGTERM on to node (which shuts down in order) and reaps the children
# the scheduler leaves (nvidia-smi, process-executor jobs), whatever runs the container.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
# Inside a container loopback reaches no one: every server binds all addresses. The API still
# refuses to start without API keys on a non-loopback address (GPUQ_API_KEYS).
ENV NODE_ENV=production \
    LOG_FORMAT=json \
    HOST=0.0.0.0 \
    SOLVER_HOST=0.0.0.0 \
    MODEL_HOST=0.0.0.0 \
    SCHEDULER_METRICS_HOST=0.0.0.0
WORKDIR /app
# The code stays root's and read-only to the app's user.
COPY --from=deps /app/ ./
COPY --from=build /dist/ ./
# Artifacts (shared by the scheduler and the API) and fold jobs' directories. A named volume
# mounted here starts with this ownership, so uid 1000 can write it.
RUN mkdir -p /var/lib/gpuq/artifacts /var/lib/gpuq/jobs \
 && chown -R node:node /var/lib/gpuq
USER node
EXPOSE 8080 9464 5000 5100
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "apps/api/dist/server.js"]
