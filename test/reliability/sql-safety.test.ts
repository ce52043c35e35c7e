import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminServer } from '../../workers/admin-server';
import { createFeedSink } from '../../feeds/sink';
import { listen } from '../../platform/net';
import { REPO_ROOT } from '../../platform/paths';
import { adminRunner, clvReport, warehouseRunner } from '../../clv/report/clv-report';
import type { Stack } from '../../workers/stack';
import { queryRows } from '../../platform/warehouse/client';
import { signHookHmac } from '../../refresh/webhook/hmac';
import { OddsTickSchema } from '../../schemas/odds';
import { count, eventually, startTestStack } from '../support/stack';
import { testSlip } from '../support/slips';

/**
 * Every value that reaches ClickHouse is bound as a query parameter or sent as data. Hostile
 * strings go through the webhook (landing + load), the feed sink, the CLV report (both runners,
 * including the admin endpoint's hex binding) and the admin endpoint itself; afterwards every
 * table still exists, the strings round-trip byte-exact and no DROP ran. A static check fails on
 * any SQL template literal that interpolates something outside a fixed allow-list.
 */
const HOSTILE = [
  "'; DROP TABLE bet_slips; --",
  '"; DROP TABLE bets; --',
  "\\'; DROP TABLE webhook_deliveries; --\\",
  '{id:String} {keys:Array(String)} }{',
  "unhex('41') ' || '",
  'naïve — 東京 🏈 \u202e',
  'nul\u0000byte',
  'line\nbreak\r\ttab',
];

let stack: Stack;
const secret = 'whsec-sql-4b3c2d1e';
let tablesBefore: string[] = [];

const tables = async () =>
  (
    await queryRows<{ name: string }>(
      stack.clickhouse,
      'SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name',
    )
  ).map((r) => r.name);

beforeAll(async () => {
  stack = await startTestStack({ SHARPSPORTS_WEBHOOK_SECRET: secret });
  tablesBefore = await tables();
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

async function post(body: string, headers: Record<string, string> = {}) {
  const res = await request(stack.webhookUrl, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'hook-delivery': crypto.randomUUID(),
      'hook-hmac': signHookHmac(secret, body),
      ...headers,
    },
  });
  return { status: res.statusCode, body: (await res.body.json()) as any };
}

function slip(account: string, id: string, rr: string, h: string) {
  return testSlip({
    id,
    account,
    rr,
    bettor: `BTTR_${h}`,
    bookName: h,
    bookRef: h,
    event: { id: `EVNT_${h}`, oddsjamId: h, league: h, name: h },
    position: h,
    bookDescription: h,
    marketSelection: `MRKT_${h}`,
  });
}

describe('SQL safety: hostile strings through every path', () => {
  it('webhook bodies: ids, bettor ids, detail text and slip/bet fields are landed and loaded byte-exact', async () => {
    for (const [i, h] of HOSTILE.entries()) {
      const account = `BACT_${h}`;
      const rr = `RRES_${i}_${h}`;
      const body = JSON.stringify({
        event: 'refreshresponse.created',
        sender: h,
        data: {
          id: rr,
          timeCreated: new Date().toISOString(),
          bettor: `BTTR_${h}`,
          bettorAccount: account,
          status: 200,
          detail: h,
          requestId: h,
          type: 'system',
          betSlips: [slip(account, `SLIP_${i}_${h}`, rr, h)],
        },
      });
      const r = await post(body, {
        'hook-delivery': `dlv-${i}-${h.replace(/[^\x21-\x7e]/g, '_')}`,
        'hook-subscription': h.replace(/[^\x20-\x7e]/g, '_'),
      });
      expect(r.status, h).toBe(200);
      const ev = JSON.stringify({
        event: 'bettoraccount.verified',
        sender: 'x',
        data: { id: account, bettor: `BTTR_${h}`, book: h, region: h },
      });
      expect((await post(ev, { 'hook-event': 'bettoraccount.verified' })).status, h).toBe(200);
    }
    for (const [i, h] of HOSTILE.entries()) {
      const account = `BACT_${h}`;
      await eventually(
        `the slip for ${JSON.stringify(h)} to load`,
        async () =>
          (await count(stack, 'SELECT count() AS n FROM bet_slips FINAL WHERE bettor_account_id = {a:String}', {
            a: account,
          })) === 1,
      );
      const [s] = await queryRows<Record<string, string>>(
        stack.clickhouse,
        'SELECT id, bettor_id, refresh_response_id FROM bet_slips FINAL WHERE bettor_account_id = {a:String}',
        { a: account },
      );
      expect(s).toMatchObject({ id: `SLIP_${i}_${h}`, bettor_id: `BTTR_${h}`, refresh_response_id: `RRES_${i}_${h}` });
      const [b] = await queryRows<Record<string, string>>(
        stack.clickhouse,
        'SELECT league, position, oddsjam_id FROM bets FINAL WHERE bet_slip_id = {s:String}',
        { s: `SLIP_${i}_${h}` },
      );
      expect(b).toEqual({ league: h, position: h, oddsjam_id: h });
      const [d] = await queryRows<Record<string, string>>(
        stack.clickhouse,
        'SELECT detail, request_id, body FROM webhook_deliveries WHERE refresh_response_id = {r:String}',
        { r: `RRES_${i}_${h}` },
      );
      expect(d.detail).toBe(h);
      expect(d.request_id).toBe(h);
      expect(JSON.parse(d.body).sender).toBe(h);
      const [e] = await queryRows<Record<string, string>>(
        stack.clickhouse,
        'SELECT book_abbr, region, bettor_id FROM bettor_account_events FINAL WHERE bettor_account_id = {a:String}',
        { a: account },
      );
      expect(e).toEqual({ book_abbr: h, region: h, bettor_id: `BTTR_${h}` });
    }
  });

  it('feed ticks through the sink: event keys, team names, selections and books are stored byte-exact', async () => {
    const sink = createFeedSink({ clickhouse: stack.clickhouse, feed: `sqlsafety-${HOSTILE[0]}`, maxRows: 3 });
    const ts = '2026-11-21T18:00:00.000Z';
    const ticks = HOSTILE.map((h, i) =>
      OddsTickSchema.parse({
        tick_id: `sqlsafety:${i}:${h}`,
        source: 'sharpapi',
        book: h,
        sport: 'basketball',
        league: 'nba',
        event_key: `ev:${h}`,
        provider_event_id: h,
        provider_odd_id: h,
        home_team: h,
        away_team: h,
        start_time: '2026-11-22T01:00:00.000Z',
        market: 'moneyline',
        market_raw: h,
        selection: h,
        line: null,
        price_american: -110,
        price_decimal: 1.91,
        implied_prob: 0.52,
        is_main: true,
        is_live: false,
        locked: false,
        removed: false,
        ts,
        received_at: ts,
      }),
    );
    await sink.emit({ ticks }, { position: HOSTILE.join('|') });
    await sink.close();
    for (const [i, h] of HOSTILE.entries()) {
      const rows = await queryRows<Record<string, string>>(
        stack.clickhouse,
        'SELECT book, event_key, home_team, away_team, selection FROM odds_ticks FINAL WHERE tick_id = {t:String}',
        { t: `sqlsafety:${i}:${h}` },
      );
      expect(rows).toEqual([{ book: h, event_key: `ev:${h}`, home_team: h, away_team: h, selection: h }]);
    }
  });

  it('linehouse clv --sharp-book: hostile book names are bound (query_params in-process, unhex through the admin endpoint)', async () => {
    const token = crypto.randomBytes(16).toString('hex');
    const admin = createAdminServer(stack.clickhouse, token);
    const port = await listen(admin, 0, '127.0.0.1');
    try {
      for (const h of HOSTILE) {
        const local = await clvReport(warehouseRunner(stack.clickhouse), { sharpBook: h });
        const remote = await clvReport(adminRunner({ adminUrl: `http://127.0.0.1:${port}`, token }), { sharpBook: h });
        expect(local.sharpBook).toBe(h);
        expect(remote.overall).toEqual(local.overall);
      }
      // bindAsHex: a value is a literal, never a statement; and it round-trips.
      const runner = adminRunner({ adminUrl: `http://127.0.0.1:${port}`, token });
      for (const h of HOSTILE)
        expect(await runner('SELECT {v:String} AS v, {w:String} AS w', { v: h, w: `{v:String}${h}` })).toEqual([
          { v: h, w: `{v:String}${h}` },
        ]);
    } finally {
      await new Promise((r) => admin.close(r));
    }
  });

  it('afterwards: every table still exists, no DROP ran, nothing was truncated', async () => {
    expect(await tables()).toEqual(tablesBefore);
    for (const t of ['bet_slips', 'bets', 'webhook_deliveries', 'odds_ticks'])
      expect(await count(stack, `SELECT count() AS n FROM ${t}`)).toBeGreaterThan(0);
    const log = await queryRows<{ n: number }>(
      stack.clickhouse,
      "SELECT count() AS n FROM system.query_log WHERE query_kind IN ('Drop', 'Alter', 'Rename') OR (query ILIKE '%DROP TABLE%' AND type = 'QueryStart' AND query NOT ILIKE '%query_log%' AND query NOT ILIKE 'INSERT%')",
    ).catch(() => null);
    if (log) expect(Number(log[0].n)).toBe(0);
  });
});

/** Interpolations allowed in SQL template literals: identifiers and fixed fragments, never values. */
const ALLOWED: Record<string, string[]> = {
  // CLICKHOUSE_DATABASE, validated as an identifier in platform/config.ts; insertEncoded: table and column names checked
  // against a plain-identifier pattern, SELECT expressions fixed in feeds/native.ts, and the file() source names a
  // staging file linehouse itself created (rows travel in the file, as data, never in the SQL text).
  'platform/warehouse/client.ts': [
    'database',
    'table',
    "enc.columns.join(', ')",
    "enc.select?.join(', ') ?? '*'",
    'source',
  ],
  'platform/warehouse/cluster-ddl.ts': [
    'name',
    'localName(name)',
    'localName(target)',
    'localName(table)',
    'table',
    'o.cluster',
    'cluster',
    'o.database',
    "outside.join(', ')",
    'paren',
    'ifNot',
    'localBody',
    'rest',
    'or',
  ], // DDL rewriting of the repo's own migrations; cluster/database are validated identifiers
  'clv/materialize.ts': ['claims', "deleteFrom('closing_lines_store', clusterOf(ch))"], // a fixed sub-select with bound params; a table name
  'clv/report/clv-report.ts': ['source', 'ROW_FILTER[rows]', 'src(rows, source)', 'HISTOGRAM', 'BIN', 'CLUSTER'], // SOURCE(): 'bet_clv' or the parameterised view with {…:String} params; fixed filters; the histogram's constant dimension name and bin expression; the fixed cluster expression
  'refresh/landing/landing.ts': ['LANDED_REF_COLUMNS', 'hexLiterals', 'RESPONSES_LOADED_BY_A_RUN_SQL'], // unhex('<hex of the id>') literals: no id text reaches the SQL (bound params would queue on chDB's process-wide param chain)
  'activities/refresh/requests.ts': ['LANDED_REF_COLUMNS'],
};
const SQL =
  /\b(SELECT|INSERT INTO|ALTER TABLE|CREATE (TABLE|VIEW|DATABASE|MATERIALIZED)|DELETE FROM|DROP (TABLE|VIEW)|OPTIMIZE TABLE|TRUNCATE|FROM|WHERE|JOIN|GROUP BY|ORDER BY)\b/;
const SCANNED = [
  'platform',
  'refresh',
  'feeds',
  'clv',
  'odds',
  'rejections',
  'schemas',
  'activities',
  'workers',
  'workflows',
  'cli',
  'sandbox',
  'scripts',
  'bin',
];

function* sources(dir: string): Generator<string> {
  if (!fs.existsSync(dir)) return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* sources(p);
    else if (/\.(ts|mts|mjs|js)$/.test(e.name) && !e.name.endsWith('.d.ts')) yield p;
  }
}

/** Every `${…}` inside a template literal that reads like SQL and is not allow-listed, as file:line. */
export function interpolatedSql(root = REPO_ROOT, allowed = ALLOWED): string[] {
  const found: string[] = [];
  for (const dir of SCANNED)
    for (const file of sources(path.join(root, dir))) {
      const rel = path.relative(root, file).split(path.sep).join('/');
      const src = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
      const visit = (n: ts.Node) => {
        if (ts.isTemplateExpression(n) && SQL.test(n.head.text + n.templateSpans.map((s) => s.literal.text).join(' ')))
          for (const s of n.templateSpans) {
            const expr = s.expression.getText().replace(/\s+/g, ' ');
            if (!(allowed[rel] ?? []).includes(expr))
              found.push(`${rel}:${src.getLineAndCharacterOfPosition(s.expression.getStart()).line + 1}: \${${expr}}`);
          }
        // 'SELECT … ' + value: concatenation is interpolation too.
        if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.PlusToken) {
          const sides = [n.left, n.right];
          const sqlSide = sides.find(
            (x) => (ts.isStringLiteral(x) || ts.isNoSubstitutionTemplateLiteral(x)) && SQL.test(x.text),
          );
          const other = sides.find((x) => x !== sqlSide);
          if (
            sqlSide &&
            other &&
            !ts.isStringLiteral(other) &&
            !ts.isNoSubstitutionTemplateLiteral(other) &&
            !ts.isTemplateExpression(other) &&
            !ts.isBinaryExpression(other)
          ) {
            const expr = other.getText().replace(/\s+/g, ' ');
            if (!(allowed[rel] ?? []).includes(expr))
              found.push(`${rel}:${src.getLineAndCharacterOfPosition(other.getStart()).line + 1}: + ${expr}`);
          }
        }
        ts.forEachChild(n, visit);
      };
      visit(src);
    }
  return found;
}

describe('SQL safety: static check', () => {
  it('no SQL template literal in the sources interpolates a value (only allow-listed identifiers and fixed fragments)', () => {
    expect(interpolatedSql()).toEqual([]);
  });

  it('negative control: a planted interpolated value is found with its file:line', () => {
    fs.mkdirSync(path.join(REPO_ROOT, 'test-results'), { recursive: true });
    const dir = fs.mkdtempSync(path.join(REPO_ROOT, 'test-results', 'sql-scan-'));
    try {
      fs.mkdirSync(path.join(dir, 'refresh'));
      fs.writeFileSync(
        path.join(dir, 'refresh', 'bad.ts'),
        "export const q = (id: string) =>\n  `SELECT * FROM bet_slips WHERE id = '${id}'`;\nexport const r = (id: string) => \"SELECT * FROM bets WHERE id = '\" + id;\n",
      );
      expect(interpolatedSql(dir)).toEqual(['refresh/bad.ts:2: ${id}', 'refresh/bad.ts:3: + id']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
