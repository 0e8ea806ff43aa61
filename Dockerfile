# syntax=docker/dockerfile:1
# Concierge: `docker build -t concierge .` then `docker run concierge serve ...` (see docs/deploy.md).

# 1. Build: every dependency, then the TypeScript.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# The package's own `prepare` (the build) needs the sources: install first, build after.
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild better-sqlite3
COPY tsconfig.json ./
COPY src ./src
# The pages: bundled by esbuild into dist/web.
COPY web ./web
RUN npm run build

# 2. Production dependencies only (no TypeScript, no test tools), with the native SQLite module built.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm rebuild better-sqlite3

# 3. Runtime: the compiled program, production dependencies, an unprivileged user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY examples ./examples
# The embedded default writes its SQLite file here; with Postgres nothing is written.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
ENV CONCIERGE_HOST=0.0.0.0 \
    CONCIERGE_PORT=8710
EXPOSE 8710
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s CMD ["node", "-e", "fetch('http://127.0.0.1:8710/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/concierge.js"]
CMD ["serve"]
