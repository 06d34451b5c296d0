# syntax=docker/dockerfile:1
# One image for every mmesh node; SERVICES chooses what a container runs.
#   docker build -t mmesh .
#   docker run -e SERVICES=api -e API_HOST=0.0.0.0 -p 3000:3000 mmesh

# --- build: all dependencies, compile TypeScript, then drop dev dependencies ---
FROM node:22-slim AS build
WORKDIR /app
# Toolchain only for native modules (sqlite3) whose prebuilt binary is unavailable.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json moleculer.config.ts ./
COPY bin ./bin
COPY lib ./lib
COPY mixins ./mixins
COPY services ./services
COPY types ./types
COPY test ./test
COPY bench ./bench
# The operator console (Svelte, built by Vite into dist/console; the gateway serves it at /).
COPY console ./console
# test/unit/deploy compiles the CDK app: tsc needs it, the runtime stage does not copy it.
COPY deploy/aws ./deploy/aws
RUN npm run build \
 && npm prune --omit=dev \
 && npm cache clean --force

# --- runtime: compiled JavaScript and production dependencies only ---
FROM node:22-slim AS runtime
ENV NODE_ENV=production \
    DATA_DIR=/var/lib/mmesh \
    API_PORT=3000 \
    METRICS_PORT=3030
WORKDIR /app
# pg_dump for db-maintenance backups, of the major version compose runs (postgres:16-alpine):
# Debian bookworm ships 15, which refuses to dump a 16 server, so it comes from apt.postgresql.org
# (postgresql-common's script installs that repository with the key the package ships).
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-common ca-certificates \
 && /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y \
 && apt-get install -y --no-install-recommends postgresql-client-16 \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 mmesh \
 && useradd --system --uid 10001 --gid mmesh --home-dir /app --shell /usr/sbin/nologin mmesh \
 && mkdir -p /var/lib/mmesh/chain \
 && chown -R mmesh:mmesh /var/lib/mmesh
COPY --from=build --chown=mmesh:mmesh /app/package.json ./package.json
COPY --from=build --chown=mmesh:mmesh /app/node_modules ./node_modules
COPY --from=build --chown=mmesh:mmesh /app/dist ./dist
USER mmesh
VOLUME ["/var/lib/mmesh"]
EXPOSE 3000 3030
# Curl-free: the metrics port's /health (no token needed) exists on every node (the gateway's compose/k8s check uses /api/v1/health).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.METRICS_PORT||3030)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "dist/bin/mmesh.js"]
