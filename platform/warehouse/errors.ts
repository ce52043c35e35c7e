/**
 * Every failure of a warehouse statement reaches the operator as one sentence that says what
 * failed (statement kind and table), where (the chDB data dir or the server URL) and what to do
 * next, with the engine's own message inside it. A bare "Code: 48. DB::Exception: …" names
 * neither the statement nor the warehouse.
 */
export class WarehouseError extends Error {
  constructor(
    /** e.g. `insert into schema_migrations`, `create table bets`, `select from bet_clv`. */
    readonly statement: string,
    /** `chDB at <dir>` or `ClickHouse at <url>`. */
    readonly warehouse: string,
    /** ClickHouse's error code, when the engine gave one. */
    readonly engineCode: number | undefined,
    readonly engineMessage: string,
    readonly next: string,
    options?: { cause?: unknown },
  ) {
    super(`${statement} failed on ${warehouse}: ${engineMessage} Next: ${next}`, options);
    this.name = 'WarehouseError';
  }
}

// Regex literals, not templates: the SQL-safety scan reads every SQL-looking template as a statement.
const PATTERNS: Array<[RegExp, (m: RegExpExecArray) => string]> = [
  [/^INSERT\s+INTO\s+(?:TABLE\s+)?(?:FUNCTION\s+)?`?([A-Za-z_][A-Za-z0-9_.]*)`?/i, (m) => `insert into ${m[1]}`],
  [
    /^(CREATE|ALTER|DROP|TRUNCATE|OPTIMIZE|RENAME|EXCHANGE)\s+(?:OR\s+REPLACE\s+)?(?:TEMPORARY\s+)?(TABLE|VIEW|MATERIALIZED\s+VIEW|DATABASE|FUNCTION|DICTIONARY)?\s*(?:IF\s+(?:NOT\s+)?EXISTS\s+)?`?([A-Za-z_][A-Za-z0-9_.]*)`?/i,
    (m) => [m[1].toLowerCase(), m[2]?.toLowerCase().replace(/\s+/, ' '), m[3]].filter(Boolean).join(' '),
  ],
  [/^(?:WITH|SELECT)\b[\s\S]*?\bFROM\s+(?!\()`?([A-Za-z_][A-Za-z0-9_.]*)`?/i, (m) => `select from ${m[1]}`],
];

/** What a statement is, in a few words: its kind and the table it names first. */
export function describeStatement(sql: string): string {
  const text = sql.trim().replace(/^\(+/, '');
  for (const [re, name] of PATTERNS) {
    const m = re.exec(text);
    if (m) return name(m);
  }
  return (/^[A-Za-z]+/.exec(text)?.[0] ?? 'statement').toLowerCase();
}

interface EngineFailure {
  code?: number;
  name?: string;
  message: string;
}

function engineFailure(err: unknown): EngineFailure {
  const e = err as { message?: unknown; code?: unknown; type?: unknown };
  const message = String(e?.message ?? err)
    .replace(/^(Code: \d+\. DB::Exception: )+/, '')
    .replace(/(\s*\.?\s*\([A-Z][A-Z0-9_]+\)|\s*\(version [^)]*\))+\.?\s*$/, '')
    .replace(/\s+/g, ' ')
    .trim();
  const raw = String(e?.message ?? '');
  const code =
    typeof e?.code === 'string' && /^\d+$/.test(e.code) ? Number(e.code) : Number(/Code: (\d+)/.exec(raw)?.[1] ?? NaN);
  const name = typeof e?.type === 'string' ? e.type : [...raw.matchAll(/\(([A-Z][A-Z0-9_]+)\)/g)].at(-1)?.[1];
  const sys = typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code) ? e.code : undefined;
  return {
    code: Number.isFinite(code) ? code : undefined,
    name: name ?? sys,
    message: /[.!?)]$/.test(message) ? message : `${message}.`,
  };
}

/** What to do next, from the engine's code (ClickHouse's ErrorCodes) or the socket error. */
const heldDataDir = (location: string, sure: boolean) =>
  `another process ${sure ? 'holds' : 'may hold'} ${location}${sure ? '' : ' (chDB says "Cannot lock file" on stderr)'}: stop it (while \`linehouse up\` runs, \`linehouse query\` goes through it), or set LINEHOUSE_DATA_DIR to another directory; also check that the directory is writable.`;

function nextStep(f: EngineFailure, statement: string, where: { embedded: boolean; location: string }): string {
  const text = `${f.name ?? ''} ${f.message}`;
  if (statement === 'opening the warehouse') return heldDataDir(where.location, false);
  if (where.embedded && /\bCannot lock file\b|Another server instance/i.test(f.message))
    return heldDataDir(where.location, true);
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ECONNRESET|socket hang up/i.test(text))
    return `check that ClickHouse is running and reachable at ${where.location} (CLICKHOUSE_URL).`;
  if (/ETIMEDOUT|Timeout error|TIMEOUT_EXCEEDED|SOCKET_TIMEOUT/i.test(text) || f.code === 159 || f.code === 209)
    return 'the warehouse did not answer in time; check its load, then run the command again.';
  // chdb-io/chdb-core#239, which platform/warehouse/engine-stdin.ts exists to prevent.
  if (/parsed from stdin|inlined and external data \(from stdin/i.test(f.message))
    return 'the engine read this process’s standard input as insert data; run the command with </dev/null and report it with the log.';
  switch (f.code) {
    case 60: // UNKNOWN_TABLE
    case 81: // UNKNOWN_DATABASE
      return 'run `linehouse migrate` against this warehouse (`linehouse up` migrates on start), then try again.';
    case 192: // UNKNOWN_USER
    case 193: // WRONG_PASSWORD
    case 516: // AUTHENTICATION_FAILED
      return 'check CLICKHOUSE_USER and CLICKHOUSE_PASSWORD.';
    case 497: // ACCESS_DENIED
      return 'grant the CLICKHOUSE_USER the rights on the CLICKHOUSE_DATABASE (docs/operations.md).';
    case 241: // MEMORY_LIMIT_EXCEEDED
      return 'the engine ran out of memory: free memory on this machine or lower the load, then try again.';
    case 243: // NOT_ENOUGH_SPACE
      return `free disk space for ${where.location}.`;
    case 47: // UNKNOWN_IDENTIFIER
    case 62: // SYNTAX_ERROR
    case 46: // UNKNOWN_FUNCTION
      return 'check the statement; every table, view and column is described in docs/analysts.md.';
  }
  const parse = [6, 26, 27, 38, 41, 53, 117].includes(f.code ?? -1) || /CANNOT_PARSE|TYPE_MISMATCH/.test(f.name ?? '');
  if (parse && statement.startsWith('insert'))
    return 'the rows did not fit the table: run `linehouse migrate`; if it still fails, report it with the structured log.';
  if (parse) return 'check the statement’s values and casts; every column’s type is in docs/analysts.md.';
  return 'if it happens again, report it with the structured log and this message.';
}

export function warehouseError(
  err: unknown,
  statement: string,
  where: { embedded: boolean; location: string },
): WarehouseError {
  if (err instanceof WarehouseError) return err;
  const f = engineFailure(err);
  const detail = f.code !== undefined ? `${f.message} (engine code ${f.code}${f.name ? ` ${f.name}` : ''})` : f.message;
  return new WarehouseError(
    statement,
    where.embedded ? `chDB at ${where.location}` : `ClickHouse at ${where.location}`,
    f.code,
    detail,
    nextStep(f, statement, where),
    { cause: err },
  );
}
