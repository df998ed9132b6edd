# cascadesim in a container, for sharded sweeps (deploy/kubernetes, deploy/github) or any single run:
#   docker build -t cascadesim .
#   docker run --rm cascadesim sweep race-odds --seeds 200
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY build.mjs tsconfig.json tsconfig.build.json ./
COPY src src
COPY workers workers
RUN npm run build && npm prune --omit=dev

FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY scenarios scenarios
COPY sweeps sweeps
USER node
ENTRYPOINT ["node", "/app/dist/cli.js"]
CMD ["help"]
