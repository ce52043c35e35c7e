# linehouse: one image for every role; LINEHOUSE_ROLES picks what a container runs.
# TypeScript runs through tsx (a runtime dependency), so there is no build step.

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# The lockfile, exactly; dev tools (vitest, eslint, Playwright) stay out of the image.
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    LINEHOUSE_DATA_DIR=/var/lib/linehouse \
    WEBHOOK_PORT=8787
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY cli ./cli
COPY platform ./platform
COPY refresh ./refresh
COPY feeds ./feeds
COPY clv ./clv
COPY odds ./odds
COPY rejections ./rejections
COPY activities ./activities
COPY workflows ./workflows
COPY workers ./workers
COPY schemas ./schemas
COPY sql ./sql
# `up --sandbox` and `demo` need the simulators, and workers/stack.ts imports them.
COPY sandbox ./sandbox
# The workflow bundle, built once into the image (platform/temporal/workflow-bundle.ts keeps it under a
# hash of the sources): node_modules is not the node user's to write, so without this every
# container start would webpack the workflows again.
RUN node --import tsx --input-type=module -e "await (await import('./platform/temporal/workflow-bundle.ts')).cachedWorkflowBundle()"
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
