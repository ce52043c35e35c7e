# linehouse: one image for every role; LINEHOUSE_ROLES picks what a container runs.
# The image runs the compiled build (npm run build: tsc to dist/ plus the prebuilt workflow
# bundle), without the TypeScript sources, tsx or the provider simulators.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY cli ./cli
COPY workers ./workers
COPY workflows ./workflows
COPY activities ./activities
COPY platform ./platform
COPY refresh ./refresh
COPY feeds ./feeds
COPY clv ./clv
COPY odds ./odds
COPY rejections ./rejections
COPY schemas ./schemas
# tsc follows cli/demo.ts into sandbox/; the build drops the compiled simulators from dist/.
COPY sandbox ./sandbox
COPY sql ./sql
RUN npm run build

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# The lockfile, exactly; dev tools (tsx, vitest, eslint, Playwright) stay out of the image.
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    LINEHOUSE_DATA_DIR=/var/lib/linehouse \
    WEBHOOK_PORT=8787
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY bin ./bin
COPY sql ./sql
COPY --from=build /app/dist ./dist
# Non-root: the image's `node` user (uid 1000) owns only the data dir (chDB in embedded mode, run files).
RUN mkdir -p /var/lib/linehouse && chown node:node /var/lib/linehouse
USER node
EXPOSE 8787
# Every role answers /healthz on WEBHOOK_PORT: 200 once its workers run (and, for the webhook role,
# once the receiver takes deliveries). The slim image has no curl: Node's fetch does it.
HEALTHCHECK --interval=15s --timeout=5s --start-period=90s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.WEBHOOK_PORT||8787)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "bin/linehouse.mjs"]
CMD ["up"]
