# syntax=docker/dockerfile:1
# ams-sentinel api: REST API over PostgreSQL (OpenAPI at /docs) and the dashboard (apps/web's build) at /.
# Build from the repository root (the context is filtered by .dockerignore):
#   docker build -f docker/api.Dockerfile -t ams-sentinel/api:0.1.0 .
# Every app image has this shape (docker/<app>.Dockerfile); docker/migrate.Dockerfile builds the
# migration step, which is never part of an app's start.
ARG NODE_IMAGE=node:26-slim

# 1. build: the whole workspace from the lockfile, then the production build of this app and of the dashboard,
#    copied into the api's output as web/ (the api serves it from beside its main.js; WEB_DIST_DIR empty)
FROM ${NODE_IMAGE} AS build
WORKDIR /workspace
ENV CI=true NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN NODE_ENV=production npx nx build api \
 && NODE_ENV=production npx nx build web \
 && cp -r dist/apps/web dist/apps/api/web \
 && node docker/prepare-runtime-package.js dist/apps/api

# 2. production dependencies only, from the pruned package.json + package-lock.json nx build wrote
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY --from=build /workspace/dist/apps/api/package.json /workspace/dist/apps/api/package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# 3. runtime: node, the bundle and its production dependencies; read-only for the node user
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production PORT=3000
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /workspace/dist/apps/api/ ./
USER node
EXPOSE 3000
# slim images have no curl: Node's own fetch asks /health/live
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM drains in-flight work (SHUTDOWN_TIMEOUT_MS) before the process exits 0
STOPSIGNAL SIGTERM
CMD ["node", "main.js"]
