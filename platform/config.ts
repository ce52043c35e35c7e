import path from 'node:path';
import { z } from 'zod';

/**
 * The one place that reads the environment. Unset variables select the embedded default
 * (chDB, a spawned Temporal dev server, sandbox-free provider URLs); a bad value fails
 * with one error that names the variable.
 */

const url = (name: string) =>
  z.string().refine((v) => {
    try {
      const u = new URL(v);
      return ['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol);
    } catch {
      return false;
    }
  }, `${name} must be an absolute http(s):// or ws(s):// URL`);

const port = z.coerce.number().int().min(0).max(65535);
const hostPort = z
  .string()
  .regex(/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:7233');
const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier ([A-Za-z_][A-Za-z0-9_]*)');
const positiveSeconds = z.coerce.number().positive();

const EnvSchema = z.object({
  TEMPORAL_ADDRESS: hostPort.optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('linehouse'),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS: z.enum(['true', 'false']).optional(),
  TEMPORAL_TLS_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_CA_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  TEMPORAL_DEV_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  CLICKHOUSE_URL: url('CLICKHOUSE_URL').optional(),
  CLICKHOUSE_USER: z.string().default('default'),
  CLICKHOUSE_PASSWORD: z.string().default(''),
  CLICKHOUSE_DATABASE: identifier.default('linehouse'),
  CLICKHOUSE_CLUSTER: identifier.optional(),
  LINEHOUSE_DATA_DIR: z.string().min(1).default('./.linehouse'),
  LINEHOUSE_TOOLS_DIR: z.string().min(1).optional(),
  LINEHOUSE_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  LINEHOUSE_ROLES: z
    .string()
    .regex(
      /^\s*(worker|webhook|feeds)(\s*,\s*(worker|webhook|feeds))*\s*$/,
      'must be a comma-separated list of worker, webhook, feeds',
    )
    .default('worker,webhook,feeds'),
  FEED_SHARD: z
    .string()
    .regex(/^[a-z0-9-]+$/, 'must be lower-case letters, digits and dashes')
    .optional(),
  FEEDS_TASK_QUEUE: z.string().min(1).optional(),
  WEBHOOK_PORT: port.default(8787),
  WEBHOOK_HOST: z.string().default('0.0.0.0'),
  WEBHOOK_MAX_BODY_MB: positiveSeconds.default(64),
  SHARPSPORTS_BASE_URL: url('SHARPSPORTS_BASE_URL').default('https://api.sharpsports.io'),
  SHARPSPORTS_API_KEY: z.string().min(1).optional(),
  SHARPSPORTS_WEBHOOK_SECRET: z.string().min(1).optional(),
  SHARPSPORTS_TIMEOUT_SECONDS: positiveSeconds.default(30),
  SHARPSPORTS_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).default(500),
  SHARPSPORTS_RATE_LIMIT_SECONDS: positiveSeconds.default(60),
  SHARPSPORTS_WEBHOOK_WAIT_SECONDS: positiveSeconds.default(300),
  OPTICODDS_BASE_URL: url('OPTICODDS_BASE_URL').optional(),
  OPTICODDS_API_KEY: z.string().min(1).optional(),
  BOLTODDS_WS_URL: url('BOLTODDS_WS_URL').optional(),
  BOLTODDS_API_KEY: z.string().min(1).optional(),
  SHARPAPI_BASE_URL: url('SHARPAPI_BASE_URL').optional(),
  SHARPAPI_API_KEY: z.string().min(1).optional(),
  OPTICODDS_LEAGUES: z.string().optional(),
  OPTICODDS_SPORTSBOOKS: z.string().optional(),
  OPTICODDS_MARKETS: z.string().optional(),
  BOLTODDS_SPORTS: z.string().optional(),
  BOLTODDS_SPORTSBOOKS: z.string().optional(),
  BOLTODDS_MARKETS: z.string().optional(),
  SHARPAPI_LEAGUES: z.string().optional(),
  SHARPAPI_SPORTSBOOKS: z.string().optional(),
  SHARPAPI_MARKETS: z.string().optional(),
  SHARPAPI_POLL_SECONDS: positiveSeconds.default(5),
  CADENCE_INTERVAL_SECONDS: positiveSeconds.default(3600),
  CADENCE_CATCHUP_WINDOW_SECONDS: positiveSeconds.default(600),
  CADENCE_FAN_OUT: z.coerce.number().int().min(1).max(256).default(8),
  CADENCE_BETTORS_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  BACKFILL_WINDOW_HOURS: positiveSeconds.default(24),
  BACKFILL_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(2),
});

export type Env = z.infer<typeof EnvSchema>;

/** Cadence refresh schedule and backfill defaults (README: Configuration). */
export interface SchedulesConfig {
  cadenceIntervalSeconds: number;
  /** Actions missed while the Temporal server was down are still taken if at most this late. */
  cadenceCatchupWindowSeconds: number;
  cadenceFanOut: number;
  cadenceBettorsPageSize: number;
  backfillWindowHours: number;
  backfillConcurrency: number;
}

export interface RefreshPolicy {
  /** SharpSports allows one refresh per account per minute, never overlapping. */
  minSpacingSeconds: number;
  webhookWaitSeconds: number;
  pollIntervalSeconds: number;
  pollDeadlineSeconds: number;
  rateLimitedMaxAttempts: number;
  maintenanceBackoffSeconds: number;
  maintenanceDeadlineSeconds: number;
  serverErrorMaxAttempts: number;
  otpWaitSeconds: number;
  pageSize: number;
}

export interface Config {
  env: Env;
  dataDir: string;
  temporal: {
    /** undefined: linehouse spawns `temporal server start-dev` itself. */
    address?: string;
    namespace: string;
    taskQueue: string;
    apiKey?: string;
    tls: boolean;
    /** mTLS client certificate and key, a private CA, and the name the server's certificate carries. */
    tlsFiles: { certPath?: string; keyPath?: string; caPath?: string; serverName?: string };
    devPort: number;
    uiPort: number;
  };
  clickhouse: { url?: string; user: string; password: string; database: string; cluster?: string };
  /** What this process runs: the Temporal worker, the webhook receiver, the feed consumers. */
  roles: Array<'worker' | 'webhook' | 'feeds'>;
  webhook: { port: number; host: string; maxBodyBytes: number; secret?: string };
  sharpsports: { baseUrl: string; apiKey?: string; timeoutMs: number; policy: RefreshPolicy };
  feeds: FeedsConfig;
  schedules: SchedulesConfig;
  logLevel: Env['LINEHOUSE_LOG_LEVEL'];
}

/** A feed runs when its base URL and key are set; the lists narrow it (unset: the adapter's defaults). */
export interface FeedsConfig {
  /** This process's shard of the feeds (its own leagues/sports lists): workflow ids feed-<source>-<shard>. */
  shard?: string;
  /** Task queue the feed consumers poll (default: TEMPORAL_TASK_QUEUE). */
  taskQueue?: string;
  opticodds?: { baseUrl: string; apiKey: string; leagues?: string[]; sportsbooks?: string[]; markets?: string[] };
  boltodds?: { url: string; apiKey: string; sports?: string[]; sportsbooks?: string[]; markets?: string[] };
  sharpapi?: {
    baseUrl: string;
    apiKey: string;
    leagues?: string[];
    sportsbooks?: string[];
    markets?: string[];
    pollIntervalMs: number;
  };
}

const list = (v: string | undefined) =>
  v
    ? v
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)
    : undefined;

function feedsFrom(env: Env): FeedsConfig {
  const feeds: FeedsConfig = { shard: env.FEED_SHARD, taskQueue: env.FEEDS_TASK_QUEUE };
  if (env.OPTICODDS_BASE_URL && env.OPTICODDS_API_KEY)
    feeds.opticodds = {
      baseUrl: env.OPTICODDS_BASE_URL.replace(/\/+$/, ''),
      apiKey: env.OPTICODDS_API_KEY,
      leagues: list(env.OPTICODDS_LEAGUES),
      sportsbooks: list(env.OPTICODDS_SPORTSBOOKS),
      markets: list(env.OPTICODDS_MARKETS),
    };
  if (env.BOLTODDS_WS_URL && env.BOLTODDS_API_KEY)
    feeds.boltodds = {
      url: env.BOLTODDS_WS_URL,
      apiKey: env.BOLTODDS_API_KEY,
      sports: list(env.BOLTODDS_SPORTS),
      sportsbooks: list(env.BOLTODDS_SPORTSBOOKS),
      markets: list(env.BOLTODDS_MARKETS),
    };
  if (env.SHARPAPI_BASE_URL && env.SHARPAPI_API_KEY)
    feeds.sharpapi = {
      baseUrl: env.SHARPAPI_BASE_URL.replace(/\/+$/, ''),
      apiKey: env.SHARPAPI_API_KEY,
      leagues: list(env.SHARPAPI_LEAGUES),
      sportsbooks: list(env.SHARPAPI_SPORTSBOOKS),
      markets: list(env.SHARPAPI_MARKETS),
      pollIntervalMs: env.SHARPAPI_POLL_SECONDS * 1000,
    };
  return feeds;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`${variable}: ${detail}`);
    this.name = 'ConfigError';
  }
}

export function defaultPolicy(
  env: Pick<Env, 'SHARPSPORTS_RATE_LIMIT_SECONDS' | 'SHARPSPORTS_WEBHOOK_WAIT_SECONDS' | 'SHARPSPORTS_PAGE_SIZE'>,
): RefreshPolicy {
  const spacing = env.SHARPSPORTS_RATE_LIMIT_SECONDS;
  return {
    minSpacingSeconds: spacing,
    webhookWaitSeconds: env.SHARPSPORTS_WEBHOOK_WAIT_SECONDS,
    pollIntervalSeconds: Math.max(5, Math.min(60, spacing)),
    pollDeadlineSeconds: 3600,
    rateLimitedMaxAttempts: 5,
    maintenanceBackoffSeconds: Math.max(spacing * 5, 60),
    maintenanceDeadlineSeconds: 6 * 3600,
    serverErrorMaxAttempts: 3,
    otpWaitSeconds: 600,
    pageSize: env.SHARPSPORTS_PAGE_SIZE,
  };
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, string | undefined> = {};
  for (const key of Object.keys(EnvSchema.shape)) {
    const v = source[key];
    // An empty variable means "unset", the way shells and compose files usually mean it.
    raw[key] = v === undefined || v === '' ? undefined : v;
  }
  const parsed = EnvSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue.path[0] ?? 'environment');
    throw new ConfigError(variable, `${issue.message} (got ${JSON.stringify(raw[variable])})`);
  }
  const env = parsed.data;
  if (env.CLICKHOUSE_CLUSTER && !env.CLICKHOUSE_URL) {
    throw new ConfigError(
      'CLICKHOUSE_CLUSTER',
      'a cluster needs a ClickHouse server: set CLICKHOUSE_URL too (embedded chDB is one process on one machine)',
    );
  }
  if (!!env.TEMPORAL_TLS_CERT_PATH !== !!env.TEMPORAL_TLS_KEY_PATH) {
    const missing = env.TEMPORAL_TLS_CERT_PATH ? 'TEMPORAL_TLS_KEY_PATH' : 'TEMPORAL_TLS_CERT_PATH';
    throw new ConfigError(
      missing,
      'mTLS needs both TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH (the client certificate and its private key)',
    );
  }
  const dataDir = path.resolve(env.LINEHOUSE_DATA_DIR);
  return {
    env,
    dataDir,
    temporal: {
      address: env.TEMPORAL_ADDRESS,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      apiKey: env.TEMPORAL_API_KEY,
      tls:
        env.TEMPORAL_TLS === 'true' ||
        (env.TEMPORAL_TLS === undefined &&
          (env.TEMPORAL_API_KEY !== undefined ||
            env.TEMPORAL_TLS_CERT_PATH !== undefined ||
            env.TEMPORAL_TLS_CA_PATH !== undefined)),
      tlsFiles: {
        certPath: env.TEMPORAL_TLS_CERT_PATH,
        keyPath: env.TEMPORAL_TLS_KEY_PATH,
        caPath: env.TEMPORAL_TLS_CA_PATH,
        serverName: env.TEMPORAL_TLS_SERVER_NAME,
      },
      devPort: env.TEMPORAL_DEV_PORT,
      uiPort: env.TEMPORAL_UI_PORT,
    },
    clickhouse: {
      url: env.CLICKHOUSE_URL,
      user: env.CLICKHOUSE_USER,
      password: env.CLICKHOUSE_PASSWORD,
      database: env.CLICKHOUSE_DATABASE,
      cluster: env.CLICKHOUSE_CLUSTER,
    },
    roles: [...new Set(env.LINEHOUSE_ROLES.split(',').map((r) => r.trim()))] as Config['roles'],
    webhook: {
      port: env.WEBHOOK_PORT,
      host: env.WEBHOOK_HOST,
      maxBodyBytes: Math.floor(env.WEBHOOK_MAX_BODY_MB * 1024 * 1024),
      secret: env.SHARPSPORTS_WEBHOOK_SECRET,
    },
    sharpsports: {
      baseUrl: env.SHARPSPORTS_BASE_URL.replace(/\/+$/, ''),
      apiKey: env.SHARPSPORTS_API_KEY,
      timeoutMs: env.SHARPSPORTS_TIMEOUT_SECONDS * 1000,
      policy: defaultPolicy(env),
    },
    feeds: feedsFrom(env),
    schedules: {
      cadenceIntervalSeconds: env.CADENCE_INTERVAL_SECONDS,
      cadenceCatchupWindowSeconds: env.CADENCE_CATCHUP_WINDOW_SECONDS,
      cadenceFanOut: env.CADENCE_FAN_OUT,
      cadenceBettorsPageSize: env.CADENCE_BETTORS_PAGE_SIZE,
      backfillWindowHours: env.BACKFILL_WINDOW_HOURS,
      backfillConcurrency: env.BACKFILL_CONCURRENCY,
    },
    logLevel: env.LINEHOUSE_LOG_LEVEL,
  };
}

/** Names of every variable the config module reads (the compose test checks against this). */
export const ENV_VARIABLES = Object.keys(EnvSchema.shape);
