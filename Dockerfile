# syntax=docker/dockerfile:1
# Nereid's container image, in three stages:
#   deps    production dependencies only, installed from the lock file (npm ci --omit=dev)
#   build   every dependency (typescript), then the compiled server (dist/) and the example models
#   runtime node_modules from deps + dist/ and the examples from build, run as the non-root user
#           `node` (uid 1000) that the official Node image provides
# The steps of `deps` and `runtime` are replayed in a clean directory by
# test/cluster/image-install.test.ts (npm run test:cluster), so keep them to COPY, ENV, WORKDIR and
# the one `npm ci` line that test knows; docs/deploy.md says how to build and run the image.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS deps
# onnxruntime-node must not download its CUDA binaries at install (package.json's allowScripts
# denies its postinstall for npm >= 11; this image's npm 10 reads ONNXRUNTIME_NODE_INSTALL), and
# node-llama-cpp must neither download nor build llama.cpp (package.json's
# config.nodeLlamaCppPostinstall "skip" says so too): both use prebuilt binaries from the registry.
ENV ONNXRUNTIME_NODE_INSTALL=skip NODE_LLAMA_CPP_SKIP_DOWNLOAD=true
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS build
ENV ONNXRUNTIME_NODE_INSTALL=skip NODE_LLAMA_CPP_SKIP_DOWNLOAD=true
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY examples ./examples
RUN npm run build && npm run examples

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The bundled examples stay inside the package so their JavaScript models resolve `sharp` and
# `nereid/backend` from /app/node_modules; mount your own repository at /models.
COPY --from=build /app/examples ./examples
USER node
# HTTP (KServe v2), gRPC, Prometheus metrics.
EXPOSE 8000 8001 8002
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8000/v2/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/src/cli/main.js"]
CMD ["serve", "--model-repository=/app/examples/model_repository"]
