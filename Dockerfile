# Build stage: compile TypeScript with the dev dependencies.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

# Runtime stage: production dependencies and the compiled code only, as the unprivileged node user.
FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# gpubot doctor checks the deployed indexes against this file (node dist/doctor-cli.js in the container).
COPY firestore.indexes.json ./
USER node
EXPOSE 3000
# node directly (not npm) so SIGTERM reaches the process and it can shut down cleanly. No
# --enable-source-maps: with it Node reads the source map of every module it loads, Firestore's and
# gRPC's included, which cost about 130 ms of cold start (npm run bench); dist/ is plain, readable
# JavaScript. Set NODE_OPTIONS=--enable-source-maps to map stack traces to the TypeScript lines.
CMD ["node", "dist/main.js"]
