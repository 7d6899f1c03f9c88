# Node 26, the newest LTS (active since October 2026), which every runtime dependency's `engines`
# accepts; the exact release .ci/run also tests on (.ci/node26/package.json pins the same one).
# Build stage: compile TypeScript with the dev dependencies.
FROM node:26.12.1-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

# Runtime stage: production dependencies and the compiled code only, as the unprivileged node user.
# No development dependencies: no Firestore emulator, no TypeScript; started with no Firestore
# settings, gpubot says which to set and exits.
FROM node:26.12.1-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# gpubot doctor checks the deployed indexes against this file (node dist/doctor-cli.js in the container).
COPY firestore.indexes.json ./
# The font the cost chart is drawn with (a slim image has none for Skia to find).
COPY assets ./assets
RUN mkdir .compile-cache && chown node:node .compile-cache
USER node
# Node's module compile cache, filled here by loading every module main.js imports (it does not start
# when imported): a new instance starts from the image, so a cache written at run time would always be
# empty. Loading the modules took 0.45 s of CPU with it against 0.59 s without, on Node 26 (16 runs
# each). Filled as the node user because Node keeps one cache per user id.
ENV NODE_COMPILE_CACHE=/app/.compile-cache
RUN node --input-type=module -e "await import('./dist/main.js')"
EXPOSE 3000
# node directly (not npm) so SIGTERM reaches the process and it can shut down cleanly. No
# --enable-source-maps: with it Node reads the source map of every module it loads, Firestore's and
# gRPC's included, which cost about 130 ms of cold start (npm run bench); dist/ is plain, readable
# JavaScript. Set NODE_OPTIONS=--enable-source-maps to map stack traces to the TypeScript lines.
CMD ["node", "dist/main.js"]
