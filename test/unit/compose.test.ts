import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError, ENV_VARIABLES, loadConfig } from '../../platform/config';
import { REPO_ROOT } from '../../platform/paths';
import { checkRoles } from '../../workers/roles';
import { feedsTaskQueue } from '../../feeds/identity';

/**
 * docker-compose.yml, .env.example and the Dockerfile checked statically against the code (no
 * Docker engine here). Each check returns problems instead of asserting, so the last tests can
 * break a copy of the files on purpose and see every check fail.
 */
const read = (f: string) => fs.readFileSync(path.join(REPO_ROOT, f), 'utf8');
type Service = {
  environment?: Record<string, unknown>;
  ports?: string[];
  expose?: string[];
  healthcheck?: { test?: string[] | string };
  depends_on?: string[] | Record<string, { condition?: string }>;
  command?: string[];
};
type Compose = { services: Record<string, Service> };

function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) out[m[1]] = m[2].trim();
  }
  return out;
}

/** Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}. */
function substitute(value: string, vars: Record<string, string>, problems: string[], where: string): string {
  return value.replace(
    /\$\{([A-Z0-9_]+)(?:(:?)([-?])([^}]*))?\}/g,
    (_, name: string, colon: string, op: string, arg: string) => {
      const v = vars[name];
      const unset = v === undefined || (colon === ':' && v === '');
      if (op === '?' && unset) problems.push(`${where}: \${${name}} is required but not in .env.example`);
      if (op === '-' && unset) return arg;
      return v ?? '';
    },
  );
}

const linehouseServices = (c: Compose) => Object.entries(c.services).filter(([name]) => name.startsWith('linehouse-'));
const healthText = (s: Service) => [s.healthcheck?.test ?? []].flat().join(' ');
const containerPorts = (s: Service) =>
  [...(s.expose ?? []), ...(s.ports ?? []).map((p) => String(p).split(':').at(-1)!)].map(
    (p) => String(p).split('/')[0],
  );

function envOf(name: string, s: Service, vars: Record<string, string>, problems: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.environment ?? {}))
    env[k] = substitute(String(v ?? ''), vars, problems, `${name}.${k}`);
  return env;
}

export function composeProblems(compose: Compose, envExample: Record<string, string>): string[] {
  const problems: string[] = [];
  const services = compose.services;
  const known = new Set(ENV_VARIABLES);
  const receiver = read('refresh/webhook/receiver.ts');
  const healthServer = read('workers/roles.ts');
  const shards = new Map<string, string>();
  const leagueOwner = new Map<string, string>();
  for (const [name, s] of linehouseServices(compose)) {
    for (const k of Object.keys(s.environment ?? {}))
      if (!known.has(k)) problems.push(`${name}: ${k} is not a variable platform/config.ts reads`);
    const env = envOf(name, s, envExample, problems);
    try {
      const config = loadConfig(env);
      checkRoles(config);
      const port = String(config.webhook.port);
      if (!healthText(s).includes(`:${port}/healthz`))
        problems.push(`${name}: health check does not call /healthz on WEBHOOK_PORT ${port}`);
      if (config.roles.includes('webhook') && !(s.ports ?? []).some((p) => String(p).split(':').at(-1) === port))
        problems.push(`${name}: the webhook port ${port} is not published`);
      const ch = new URL(config.clickhouse.url ?? 'http://missing:0');
      if (!services[ch.hostname] || !containerPorts(services[ch.hostname]).includes(ch.port) || ch.port !== '8123')
        problems.push(`${name}: CLICKHOUSE_URL ${config.clickhouse.url} is not the clickhouse service's HTTP port`);
      if (config.temporal.address !== 'temporal:7233' || !containerPorts(services.temporal ?? {}).includes('7233'))
        problems.push(`${name}: TEMPORAL_ADDRESS ${config.temporal.address} is not temporal:7233`);
      if (config.roles.includes('feeds')) {
        const shard = config.feeds.shard ?? '(none)';
        if (shards.has(shard)) problems.push(`${name}: FEED_SHARD ${shard} is also ${shards.get(shard)}'s`);
        shards.set(shard, name);
        for (const key of ['OPTICODDS_LEAGUES', 'BOLTODDS_SPORTS', 'SHARPAPI_LEAGUES'])
          for (const league of (env[key] ?? '').split(',').filter(Boolean)) {
            const owner = leagueOwner.get(`${key}=${league}`);
            if (owner && owner !== name)
              problems.push(`${name}: ${key} ${league} is also in ${owner} (two consumers would load it)`);
            leagueOwner.set(`${key}=${league}`, name);
          }
      }
    } catch (err) {
      problems.push(`${name}: ${err instanceof ConfigError ? err.message : String(err)}`);
    }
  }
  if (!/url === '\/healthz'/.test(receiver) || !/'\/healthz'/.test(healthServer))
    problems.push('the /healthz route is gone from refresh/webhook/receiver.ts or workers/roles.ts');
  const ui = services['temporal-ui'];
  if (
    !ui ||
    substitute(String(ui.environment?.TEMPORAL_ADDRESS ?? ''), envExample, problems, 'temporal-ui') !== 'temporal:7233'
  )
    problems.push('temporal-ui: TEMPORAL_ADDRESS is not temporal:7233');
  else if (!containerPorts(ui).some((p) => healthText(ui).includes(`:${p}/`)))
    problems.push("temporal-ui: health check does not call the UI's port");
  if (!healthText(services.clickhouse ?? {}).includes(':8123/ping'))
    problems.push('clickhouse: health check does not call /ping on 8123');
  if (
    !/temporal operator cluster health|tctl .*cluster health|grpc_health_probe/.test(
      healthText(services.temporal ?? {}),
    )
  )
    problems.push('temporal: health check does not ask the cluster');
  for (const [name, s] of Object.entries(services)) {
    if (!s.healthcheck?.test) problems.push(`${name}: no health check`);
    const deps: Record<string, { condition?: string }> = Array.isArray(s.depends_on)
      ? Object.fromEntries(s.depends_on.map((d) => [d, {}]))
      : (s.depends_on ?? {});
    for (const [dep, how] of Object.entries(deps)) {
      if (!services[dep]) problems.push(`${name}: depends_on ${dep}, which is not a service`);
      else if (how.condition !== 'service_healthy')
        problems.push(`${name}: depends_on ${dep} without condition: service_healthy`);
    }
    for (const v of Object.values(s.environment ?? {})) substitute(String(v ?? ''), envExample, problems, name);
  }
  return problems;
}

export function dockerfileProblems(text: string): string[] {
  const problems: string[] = [];
  const lines = text.split('\n').filter((l) => !l.trim().startsWith('#'));
  const stages: string[][] = [];
  for (const l of lines) {
    if (/^FROM /.test(l)) stages.push([]);
    stages.at(-1)?.push(l);
  }
  const final = stages.at(-1) ?? [];
  const stageNamed = (re: RegExp) => stages.find((st) => st.some((l) => re.test(l))) ?? [];
  if (!/^FROM node:20-bookworm-slim\b/.test(final[0] ?? ''))
    problems.push('the final stage is not FROM node:20-bookworm-slim');
  if (!lines.some((l) => /npm ci\b.*--omit=dev/.test(l)))
    problems.push('dependencies are not installed with npm ci --omit=dev');
  const user = final.filter((l) => /^USER /.test(l)).at(-1);
  if (!user || /^USER\s+(root|0)(:|\s*$)/.test(user)) problems.push('runs as root');
  if (!final.some((l) => /^\s*(HEALTHCHECK|CMD).*\/healthz/.test(l))) problems.push('no HEALTHCHECK calling /healthz');
  const entry = final.filter((l) => /^(ENTRYPOINT|CMD) /.test(l)).join(' ');
  if (!/"node",\s*"bin\/linehouse\.mjs"/.test(entry))
    problems.push('ENTRYPOINT/CMD does not run node bin/linehouse.mjs');
  // The build stage compiles every folder tsconfig.build.json includes, after copying it.
  const build = stageNamed(/^RUN npm run build\b/);
  const buildAt = build.findIndex((l) => /^RUN npm run build\b/.test(l));
  if (buildAt < 0) problems.push('no stage runs npm run build');
  const copiedIn = (st: string[], upTo = st.length) =>
    new Set(
      st
        .slice(0, upTo)
        .flatMap((l) => (/^COPY (?!--from)(.+)$/.exec(l)?.[1] ?? '').split(/\s+/).slice(0, -1))
        .map((d) => d.replace(/^\.\/|\/$/g, '')),
    );
  const include = (JSON.parse(read('tsconfig.build.json').replace(/^\s*\/\/.*$/gm, '')) as { include: string[] })
    .include;
  const before = copiedIn(build, buildAt);
  for (const dir of [...include, 'scripts', 'sql', 'tsconfig.build.json'])
    if (buildAt >= 0 && !before.has(dir)) problems.push(`the build stage compiles without ${dir}`);
  // The image runs the compiled build only: no sources, no simulators, no tsx.
  if (!final.some((l) => /^COPY --from=\S+ \/app\/dist \.\/dist$/.test(l)))
    problems.push('the final stage does not copy dist/ from the build stage');
  const shipped = copiedIn(final);
  for (const dir of shipped)
    if ([...include, 'sandbox', 'test', 'bench'].includes(dir))
      problems.push(`the image ships ${dir}/ (it runs dist/ only)`);
  for (const dir of ['bin', 'sql']) if (!shipped.has(dir)) problems.push(`the image lacks ${dir}/`);
  return problems;
}

const compose = () => parse(read('docker-compose.yml'), { merge: true }) as Compose;
const envExample = () => parseEnvFile(read('.env.example'));

describe('docker-compose.yml, .env.example and the Dockerfile', () => {
  it('the compose file is consistent with platform/config.ts, the routes and itself', () => {
    expect(composeProblems(compose(), envExample())).toEqual([]);
    expect(
      linehouseServices(compose())
        .map(([n]) => n)
        .sort(),
    ).toEqual(['linehouse-feeds-mlb-nhl', 'linehouse-feeds-us', 'linehouse-webhook', 'linehouse-worker']);
  });

  it('the Dockerfile installs from the lockfile, runs the CLI as non-root and checks /healthz', () => {
    expect(dockerfileProblems(read('Dockerfile'))).toEqual([]);
  });

  it('every check fails on a broken copy', () => {
    const broken = (edit: (c: Compose) => void) => {
      const c = compose();
      edit(c);
      return composeProblems(c, envExample()).join('\n');
    };
    const env = (c: Compose, svc: string) => c.services[svc].environment!;
    expect(
      broken(
        (c) => ((env(c, 'linehouse-worker').CLICKHOUSE_URI = 'x'), delete env(c, 'linehouse-worker').CLICKHOUSE_URL),
      ),
    ).toMatch(/CLICKHOUSE_URI is not a variable/);
    expect(broken((c) => (env(c, 'linehouse-worker').WEBHOOK_PORT = 'eighty'))).toMatch(
      /linehouse-worker: WEBHOOK_PORT/,
    );
    expect(broken((c) => delete env(c, 'linehouse-feeds-us').TEMPORAL_ADDRESS)).toMatch(
      /linehouse-feeds-us: TEMPORAL_ADDRESS: .*LINEHOUSE_ROLES=feeds/,
    );
    expect(broken((c) => (c.services['linehouse-webhook'].ports = ['8788:8788']))).toMatch(
      /webhook port 8787 is not published/,
    );
    expect(broken((c) => (env(c, 'linehouse-webhook').CLICKHOUSE_URL = 'http://clickhouse:9000'))).toMatch(
      /not the clickhouse service's HTTP port/,
    );
    expect(broken((c) => (env(c, 'linehouse-worker').TEMPORAL_ADDRESS = 'temporal:7234'))).toMatch(
      /linehouse-worker: TEMPORAL_ADDRESS temporal:7234/,
    );
    expect(broken((c) => (env(c, 'temporal-ui').TEMPORAL_ADDRESS = 'temporal:7000'))).toMatch(
      /temporal-ui: TEMPORAL_ADDRESS/,
    );
    expect(broken((c) => (c.services['temporal-ui'].healthcheck = { test: ['CMD', 'true'] }))).toMatch(/UI's port/);
    expect(
      broken(
        (c) =>
          (c.services['linehouse-worker'].healthcheck = {
            test: ['CMD', 'node', '-e', "fetch('http://127.0.0.1:8787/health')"],
          }),
      ),
    ).toMatch(/linehouse-worker: health check does not call \/healthz/);
    expect(
      broken((c) => (c.services.clickhouse.healthcheck = { test: ['CMD', 'wget', 'http://127.0.0.1:8123/'] })),
    ).toMatch(/clickhouse: health check/);
    expect(broken((c) => (c.services.temporal.healthcheck = { test: ['CMD', 'true'] }))).toMatch(
      /temporal: health check/,
    );
    expect(broken((c) => delete c.services.postgresql.healthcheck)).toMatch(/postgresql: no health check/);
    expect(
      broken(
        (c) => (c.services['linehouse-webhook'].depends_on = { 'linehouse-wroker': { condition: 'service_healthy' } }),
      ),
    ).toMatch(/linehouse-wroker, which is not a service/);
    expect(broken((c) => (c.services['linehouse-webhook'].depends_on = ['linehouse-worker']))).toMatch(
      /without condition: service_healthy/,
    );
    expect(broken((c) => (env(c, 'linehouse-feeds-mlb-nhl').FEED_SHARD = 'us'))).toMatch(
      /FEED_SHARD us is also linehouse-feeds-us's/,
    );
    expect(broken((c) => (env(c, 'linehouse-feeds-mlb-nhl').SHARPAPI_LEAGUES = 'mlb,nhl,nfl'))).toMatch(
      /SHARPAPI_LEAGUES nfl is also in linehouse-feeds-us/,
    );
    expect(broken((c) => (env(c, 'linehouse-worker').SHARPSPORTS_API_KEY = '${SHARPSPORTS_KEY:?set it}'))).toMatch(
      /SHARPSPORTS_KEY\} is required but not in .env.example/,
    );

    const docker = read('Dockerfile');
    expect(dockerfileProblems(docker.replace('FROM node:20-bookworm-slim\n', 'FROM node:22\n'))).toContain(
      'the final stage is not FROM node:20-bookworm-slim',
    );
    expect(dockerfileProblems(docker.replace('npm ci --omit=dev', 'npm install'))).toContain(
      'dependencies are not installed with npm ci --omit=dev',
    );
    expect(dockerfileProblems(docker.replace('USER node', 'USER root'))).toContain('runs as root');
    expect(dockerfileProblems(docker.replace('RUN npm run build\n', ''))).toContain('no stage runs npm run build');
    expect(dockerfileProblems(docker.replace('COPY refresh ./refresh\n', ''))).toContain(
      'the build stage compiles without refresh',
    );
    expect(dockerfileProblems(docker.replace('COPY --from=build /app/dist ./dist\n', ''))).toContain(
      'the final stage does not copy dist/ from the build stage',
    );
    expect(
      dockerfileProblems(docker.replace('COPY bin ./bin\n', 'COPY bin ./bin\nCOPY sandbox ./sandbox\n')),
    ).toContain('the image ships sandbox/ (it runs dist/ only)');
    expect(dockerfileProblems(docker.replace(/\/healthz/g, '/'))).toContain('no HEALTHCHECK calling /healthz');
    expect(dockerfileProblems(docker.replace('"bin/linehouse.mjs"', '"cli/main.ts"'))).toContain(
      'ENTRYPOINT/CMD does not run node bin/linehouse.mjs',
    );
    expect(dockerfileProblems(docker.replace('COPY sql ./sql\nCOPY --from', 'COPY --from'))).toContain(
      'the image lacks sql/',
    );
  });
});

describe('the ClickHouse server runs the engine the SQL is tested on', () => {
  it('the compose image is the release chDB embeds (major.minor)', async () => {
    const { createWarehouse, queryRows } = await import('../../platform/warehouse/client');
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const ch = await createWarehouse({
      dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'linehouse-version-')),
      clickhouse: { user: 'default', password: '', database: 'linehouse' },
    });
    try {
      const [{ v }] = await queryRows<{ v: string }>(ch, 'SELECT version() AS v');
      const image = String(
        fs
          .readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8')
          .match(/image: clickhouse\/clickhouse-server:([\d.]+)/)?.[1],
      );
      expect(image.split('.').slice(0, 2)).toEqual(v.split('.').slice(0, 2));
    } finally {
      await ch.close();
    }
  }, 60_000);
});

describe('roles', () => {
  it('a split of the roles on embedded chDB or a spawned dev server is refused, naming what to set', () => {
    expect(() => checkRoles(loadConfig({ LINEHOUSE_ROLES: 'worker' }))).toThrow(
      /CLICKHOUSE_URL: .*set CLICKHOUSE_URL and TEMPORAL_ADDRESS/,
    );
    expect(() => checkRoles(loadConfig({ LINEHOUSE_ROLES: 'feeds', CLICKHOUSE_URL: 'http://ch:8123' }))).toThrow(
      /^TEMPORAL_ADDRESS: /,
    );
    expect(() =>
      checkRoles(
        loadConfig({ LINEHOUSE_ROLES: 'webhook', CLICKHOUSE_URL: 'http://ch:8123', TEMPORAL_ADDRESS: 't:7233' }),
      ),
    ).not.toThrow();
    expect(() => checkRoles(loadConfig({ FEED_SHARD: 'us' }))).not.toThrow();
  });

  it("routes a shard's consumers to the shard's own task queue, and keeps unsharded all-in-one as before", () => {
    expect(feedsTaskQueue(loadConfig({}))).toBeUndefined();
    expect(feedsTaskQueue(loadConfig({ FEED_SHARD: 'us' }))).toBe('linehouse-feeds-us');
    expect(feedsTaskQueue(loadConfig({ FEED_SHARD: 'us', FEEDS_TASK_QUEUE: 'odds' }))).toBe('odds-feeds-us');
    expect(feedsTaskQueue(loadConfig({ LINEHOUSE_ROLES: 'feeds' }))).toBe('linehouse-feeds');
    expect(feedsTaskQueue(loadConfig({ FEEDS_TASK_QUEUE: 'odds' }))).toBe('odds');
  });
});
