# One node image; docker-compose.yml runs it three times (origin + 2 edges).
#
# Two stages. `build` has the toolchain: it builds mediasoup's C++ worker offline from its npm
# package and Debian's packages (scripts/build-worker.mjs, docs/mediasoup.md), the browser SDK and the server's
# JavaScript (dist/). `runtime` holds only what a node runs: the compiled JavaScript, production
# node_modules, the worker binary, web/ and conf/, run by `node` itself (no npm or TypeScript
# loader in between, so the signals the container gets reach the node) as a non-root user.

FROM node:22-bookworm AS build
# The worker's build tools and libraries from Debian (meson from bookworm-backports, libsrtp2's
# source through a deb-src line): the same script a Debian host runs.
COPY scripts/setup-debian.sh /tmp/setup-debian.sh
RUN /tmp/setup-debian.sh && rm -rf /var/lib/apt/lists/*
# npm >= 11 honours package.json `allowScripts`, which keeps mediasoup's own (online) build from running.
RUN npm install -g npm@11
WORKDIR /app
# The worker (5-15 min) depends only on the lockfile and its build scripts: a layer of its own,
# so editing the sources does not rebuild it. postinstall's steps run one by one below, as each
# layer's inputs arrive (--ignore-scripts skips postinstall here).
COPY package.json package-lock.json .npmrc ./
COPY scripts/build-worker.mjs scripts/
COPY scripts/worker scripts/worker
RUN npm ci --no-audit --no-fund --ignore-scripts \
 && node scripts/build-worker.mjs
COPY . .
RUN node scripts/build-client.mjs \
 && npm run build
# What the runtime takes: the worker binary set apart, node_modules without the dev dependencies
# and without the worker's sources and objects (hundreds of MB the runtime never reads).
RUN mkdir -p /out \
 && cp node_modules/mediasoup/worker/out/Release/mediasoup-worker /out/mediasoup-worker \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf node_modules/mediasoup/worker

FROM node:22-bookworm-slim AS runtime
# The worker links Debian's OpenSSL 3, libuv and abseil dynamically (Debian's security updates
# reach it without a rebuild); libsrtp and everything else are inside the binary.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libssl3 libuv1 libabsl20220623 \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    LOG_FORMAT=json \
    MEDIASOUP_WORKER_BIN=/usr/local/bin/mediasoup-worker
WORKDIR /app
COPY --from=build /out/mediasoup-worker /usr/local/bin/mediasoup-worker
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/web ./web
COPY --from=build /app/conf ./conf
# The node image's unprivileged user; the node writes only to /tmp (its DTLS certificate, pid file).
USER node
# The config directory (flashphoner.properties, loadbalancing.xml, .env) is mounted at /conf,
# read-only: the pid file goes to /tmp. Reload an edited loadbalancing.xml with
# `docker compose kill -s HUP origin` (docs/operations.md).
CMD ["node", "--enable-source-maps", "dist/index.js", "--conf", "/conf", "--pid-file", "/tmp/node.pid"]
