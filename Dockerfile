# One node image; docker-compose.yml runs it three times (origin + 2 edges).
FROM node:20-bookworm
# The mediasoup 3.8.4 worker is built from its vendored sources (see README): it needs these.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# npm >= 11 honours package.json `allowScripts`, which keeps mediasoup's own (online) build from running.
RUN npm install -g npm@11
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund
ENV LOG_FORMAT=json
# The config directory (flashphoner.properties, loadbalancing.xml, .env) is mounted at /conf.
CMD ["node", "--import", "tsx", "src/index.ts", "--conf", "/conf"]
