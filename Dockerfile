# syntax=docker/dockerfile:1.7
# Portcullis container image.
#
#   docker build -t portcullis --build-arg REVISION=$(git rev-parse HEAD) .
#   docker run --read-only -v portcullis-data:/data -p 5000:5000 portcullis
#
# Stages (Node 24 LTS on Debian bookworm; one ABI, so the native addon built in `deps` loads in
# `runtime`):
#   toolchain  Node 24 + python3/make/g++ for node-gyp
#   deps       production node_modules only (npm ci --omit=dev), better-sqlite3 compiled from source
#   build      all dependencies, TypeScript compiled to dist/
#   runtime    node:24-bookworm-slim, no compiler, no npm; non-root uid 10001; writes only /data
# The build steps are rehearsed without Docker by test/docker/simulate-build.sh.
#
# Why the toolchain is pinned to 24.18.1: Node 24.19 changed node::ObjectWrap (nodejs/node#65446).
# better-sqlite3 12.x compiled against >= 24.19 headers aborts the process when a statement is
# garbage collected ("RemoveEnvironmentCleanupHook: Assertion (env) != nullptr"; reproduced with
# `portcullis db import` on 24.21.0). Built against 24.18.1 headers it runs cleanly on every 24.x
# runtime, so the runtime stage keeps receiving Node patch releases. Unpin once better-sqlite3 is
# 13.x (Node-API, no ObjectWrap).

ARG NODE_BUILD_IMAGE=node:24.18.1-bookworm-slim
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_BUILD_IMAGE} AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
ENV npm_config_build_from_source=true \
    npm_config_nodedir=/usr/local \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
WORKDIR /src

FROM toolchain AS deps
COPY package.json package-lock.json ./
# Lifecycle scripts are skipped, then only better-sqlite3's is run: it compiles from source
# (npm_config_build_from_source) instead of downloading a prebuilt binary.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --ignore-scripts \
 && npm rebuild better-sqlite3 \
 && node -e "new (require('better-sqlite3'))(':memory:').close()"

FROM toolchain AS build
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="Portcullis" \
      org.opencontainers.image.description="Pull-through OCI registry gateway that scans, verifies and gates images before they are served" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/portcullis-dev/portcullis" \
      org.opencontainers.image.documentation="https://github.com/portcullis-dev/portcullis/blob/main/docs/runbook.md" \
      org.opencontainers.image.base.name="docker.io/library/node:24-bookworm-slim"

# npm and corepack are not needed to run; fewer binaries, fewer CVEs to triage.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
           /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
 && groupadd --system --gid 10001 portcullis \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home --shell /usr/sbin/nologin portcullis \
 && mkdir -p /data/tmp \
 && chown -R 10001:10001 /data \
 && chmod 0750 /data

ENV NODE_ENV=production \
    TMPDIR=/data/tmp \
    PORTCULLIS_CONFIG=/etc/portcullis/portcullis.yaml

WORKDIR /app
# The app is owned by root and read-only to the service user.
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json package-lock.json ./

# The image's default config: everything it writes is under /data (blob cache, manifests,
# SQLite files, the vulnerability DB, temp files), so the root filesystem can be read-only.
COPY <<"EOF" /etc/portcullis/portcullis.yaml
server:
  listen: "0.0.0.0:5000"
  shutdownTimeout: "30s"
upstreams:
  dockerhub:
    url: "https://registry-1.docker.io"
    registries: ["docker.io"]
  ghcr:
    url: "https://ghcr.io"
    registries: ["ghcr.io"]
routing:
  default: dockerhub
storage:
  path: "/data"
  maxBlobCacheBytes: "50GiB"
cache:
  verdicts: "sqlite:///data/verdicts.sqlite"
vulndb:
  path: "/data/vulndb"
  sources:
    - "https://osv-vulnerabilities.storage.googleapis.com/Debian/all.zip"
    - "https://osv-vulnerabilities.storage.googleapis.com/Alpine/all.zip"
  updateInterval: "24h"
auth:
  anonymous: true
  tokensFile: "/data/tokens.json"
telemetry:
  metricsPath: "/metrics"
  otlpEndpoint: "${OTEL_EXPORTER_OTLP_ENDPOINT:-}"
logging:
  level: "${PORTCULLIS_LOG_LEVEL:-info}"
EOF

USER 10001:10001
VOLUME ["/data"]
EXPOSE 5000
# No curl in the slim image: Node's fetch checks liveness.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.PORTCULLIS_HEALTHCHECK_URL || 'http://127.0.0.1:5000/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/cli.js"]
CMD ["serve", "--config", "/etc/portcullis/portcullis.yaml"]
