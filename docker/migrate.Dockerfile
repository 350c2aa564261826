# syntax=docker/dockerfile:1
# ams-sentinel migrate: applies libs/db's migrations to DATABASE_URL (creating the database if it
# does not exist) and exits. Run once before the apps: the Kubernetes Job `migrate`, the compose
# service `migrate`. Build from the repository root:
#   docker build -f docker/migrate.Dockerfile -t ams-sentinel/migrate:0.1.0 .
ARG NODE_IMAGE=node:26-slim

# 1. build: the whole workspace from the lockfile, then the production build of tools/migrate
FROM ${NODE_IMAGE} AS build
WORKDIR /workspace
ENV CI=true NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN NODE_ENV=production npx nx build migrate \
 && node docker/prepare-runtime-package.js dist/tools/migrate

# 2. production dependencies only, from the pruned package.json + package-lock.json nx build wrote
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY --from=build /workspace/dist/tools/migrate/package.json /workspace/dist/tools/migrate/package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# 3. runtime: a run-to-completion command, so no HEALTHCHECK
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /workspace/dist/tools/migrate/ ./
USER node
HEALTHCHECK NONE
CMD ["node", "main.js"]
