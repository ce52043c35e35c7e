import fs from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { refreshClv, type RefreshClvResult } from '../clv';
import { loadConfig } from '../platform/config';
import { log } from '../platform/log';
import {
  DEVIG_METHODS,
  DIMENSIONS,
  ROW_SETS,
  adminRunner,
  clvReport,
  renderHtml,
  renderTable,
  warehouseRunner,
  type DevigMethod,
  type Dimension,
  type RowSet,
} from '../clv/report';
import { createWarehouse } from '../platform/warehouse/client';
import { readRunFile, type RunFile } from '../workers/run-file';

const USAGE = `usage: linehouse clv [--by ${DIMENSIONS.join('|')}] [--sharp-book pinnacle] [--devig ${DEVIG_METHODS.join('|')}]
                     [--rows ${ROW_SETS.join('|')}] [--format table|json|html] [--out clv-report.html] [--no-refresh]`;

const FORMATS = ['table', 'json', 'html'] as const;
type Format = (typeof FORMATS)[number];

export interface ClvArgs {
  by?: Dimension;
  sharpBook: string;
  devig: DevigMethod;
  rows: RowSet;
  format: Format;
  out: string;
  /** Resolve events and store the closes of started events before reporting (refreshClv). */
  refresh: boolean;
}

export function parseArgs(argv: string[]): ClvArgs {
  const args: ClvArgs = {
    sharpBook: 'pinnacle',
    devig: 'multiplicative',
    rows: 'legs',
    format: 'table',
    out: 'clv-report.html',
    refresh: true,
  };
  const oneOf = <T extends string>(flag: string, v: string | undefined, allowed: readonly T[]): T => {
    if (v === undefined || !(allowed as readonly string[]).includes(v))
      throw new UsageError(`${flag} must be one of ${allowed.join(', ')}`);
    return v as T;
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] =
      argv[i].startsWith('--') && argv[i].includes('=')
        ? [argv[i].slice(0, argv[i].indexOf('=')), argv[i].slice(argv[i].indexOf('=') + 1)]
        : [argv[i], undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--by':
        args.by = oneOf('--by', value(), DIMENSIONS);
        break;
      case '--sharp-book':
        args.sharpBook = value();
        break;
      case '--devig':
        args.devig = oneOf('--devig', value(), DEVIG_METHODS);
        break;
      case '--rows':
        args.rows = oneOf('--rows', value(), ROW_SETS);
        break;
      case '--format':
        args.format = oneOf('--format', value(), FORMATS);
        break;
      case '--out':
        args.out = value();
        break;
      case '--no-refresh':
        if (inline !== undefined) throw new UsageError('--no-refresh takes no value');
        args.refresh = false;
        break;
      default:
        throw new UsageError(`unknown argument "${argv[i]}"`);
    }
  }
  return args;
}

class UsageError extends Error {}

async function adminRefresh(up: Pick<RunFile, 'adminUrl' | 'token'>): Promise<RefreshClvResult> {
  const res = await request(`${up.adminUrl}/clv/refresh`, {
    method: 'POST',
    headers: { authorization: `Bearer ${up.token}` },
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`admin endpoint ${res.statusCode}: ${text}`);
  return JSON.parse(text) as RefreshClvResult;
}

/**
 * CLV report over bet_clv_at. While `linehouse up` runs it owns the embedded engine, so the
 * queries go to its loopback admin endpoint (as `linehouse query` does); otherwise this process
 * opens the warehouse itself. The refresh first resolves new feed events (they then count) and
 * stores the closes of started events (only faster: the figures are the same either way).
 */
export async function run(argv: string[]): Promise<number> {
  let args: ClvArgs;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`linehouse clv: ${err.message}\n${USAGE}\n`);
    return 2;
  }
  const config = loadConfig();
  const up = config.clickhouse.url ? null : readRunFile(config);
  const ch = up ? null : await createWarehouse(config);
  try {
    if (args.refresh) {
      // Stored closes never change a figure and event_map stays as it was, so a warehouse this
      // user cannot write to still gets a consistent report (new feed events just stay unresolved).
      try {
        const refreshed = up ? await adminRefresh(up) : await refreshClv(ch!);
        log.debug('clv.refreshed', { ...refreshed.resolve, ...refreshed.materialize });
      } catch (err) {
        process.stderr.write(
          `linehouse clv: refresh skipped (${(err as Error).message}); event_map as it stands, closes computed from ticks where not stored\n`,
        );
      }
    }
    const report = await clvReport(up ? adminRunner(up) : warehouseRunner(ch!), {
      sharpBook: args.sharpBook,
      devig: args.devig,
      rows: args.rows,
    });
    if (args.format === 'json') {
      const body = args.by ? { ...report, groups: { [args.by]: report.groups[args.by] } } : report;
      process.stdout.write(JSON.stringify(body, null, 2) + '\n');
    } else if (args.format === 'html') {
      const file = path.resolve(args.out);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, renderHtml(report));
      process.stdout.write(file + '\n');
    } else {
      process.stdout.write(renderTable(report, args.by ?? 'bettor'));
    }
    return 0;
  } catch (err) {
    process.stderr.write(`linehouse clv: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await ch?.close();
  }
}
