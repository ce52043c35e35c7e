/**
 * Structured logs: one JSON line per meaningful event on stderr, so stdout stays clean for
 * command output (`linehouse query` prints JSONEachRow there). Secrets never reach here:
 * callers log ids and counts, and `redact` masks known secret values as a last line of defence.
 */
import fs from 'node:fs';
import path from 'node:path';

type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

let threshold: Level =
  (process.env.LINEHOUSE_LOG_LEVEL as Level) in ORDER ? (process.env.LINEHOUSE_LOG_LEVEL as Level) : 'info';
const secrets = new Set<string>();

export function setLogLevel(level: Level): void {
  threshold = level;
}

let file: { fd: number; terminal: Level } | null = null;

/**
 * Appends every log line to `logFile` and shows only `terminal` and above on stderr: for commands
 * that narrate to a person (the demo), whose terminal would otherwise interleave the story with
 * hundreds of JSON lines. Written synchronously, so a crash keeps every line before it.
 */
export function logToFile(logFile: string, terminal: Level = 'warn'): void {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  file = { fd: fs.openSync(logFile, 'a'), terminal };
}

/** Register values (API keys, webhook secret) that must never be printed. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) secrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('[redacted]');
  return out;
}

export interface Logger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export function createLogger(base: Record<string, unknown> = {}): Logger {
  const write = (level: Level, event: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < ORDER[threshold]) return;
    const line = JSON.stringify({ ...base, ...fields, ts: new Date().toISOString(), level, event }, (_k, v) =>
      v instanceof Error ? { name: v.name, message: v.message } : typeof v === 'bigint' ? v.toString() : v,
    );
    const text = redact(line) + '\n';
    if (file) fs.writeSync(file.fd, text);
    if (!file || ORDER[level] >= ORDER[file.terminal]) process.stderr.write(text);
  };
  return {
    debug: (e, f) => write('debug', e, f),
    info: (e, f) => write('info', e, f),
    warn: (e, f) => write('warn', e, f),
    error: (e, f) => write('error', e, f),
    child: (fields) => createLogger({ ...base, ...fields }),
  };
}

export const log = createLogger();
