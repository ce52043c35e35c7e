import { ClickHouseError } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import { describeStatement, warehouseError, WarehouseError } from '../../../../platform/warehouse/errors';

const chdb = { embedded: true, location: '/data/.linehouse/chdb' };
const server = { embedded: false, location: 'http://ch:8123 (database linehouse)' };

describe('describeStatement', () => {
  it.each([
    ['INSERT INTO schema_migrations (version) VALUES (1)', 'insert into schema_migrations'],
    ['insert into `bets` FORMAT JSONEachRow', 'insert into bets'],
    ['CREATE TABLE IF NOT EXISTS odds_ticks (a UInt8) ENGINE = Memory', 'create table odds_ticks'],
    ['CREATE OR REPLACE VIEW bet_clv AS SELECT 1', 'create view bet_clv'],
    ['CREATE DATABASE IF NOT EXISTS linehouse', 'create database linehouse'],
    ['ALTER TABLE bets ADD COLUMN x UInt8', 'alter table bets'],
    ['OPTIMIZE TABLE bet_slips FINAL', 'optimize table bet_slips'],
    ['WITH x AS (SELECT 1) SELECT * FROM closing_lines', 'select from closing_lines'],
    ['  (SELECT count() FROM bet_slips FINAL)', 'select from bet_slips'],
    ['SELECT 1', 'select'],
    ['SYSTEM FLUSH LOGS', 'system'],
  ])('%s → %s', (sql, want) => expect(describeStatement(sql)).toBe(want));
});

describe('warehouseError', () => {
  it('turns a bare chDB message into what failed, where, the engine code and the next step', () => {
    const raw = new Error(
      'Code: 48. DB::Exception: Code: 48. DB::Exception: Processing async inserts with both inlined and external data (from stdin or infile) is not supported. (NOT_IMPLEMENTED) (version 26.7.2.1). (NOT_IMPLEMENTED)',
    );
    const e = warehouseError(raw, 'insert into schema_migrations', chdb);
    expect(e).toBeInstanceOf(WarehouseError);
    expect(e.message).toBe(
      'insert into schema_migrations failed on chDB at /data/.linehouse/chdb: Processing async inserts with both inlined and external data (from stdin or infile) is not supported. (engine code 48 NOT_IMPLEMENTED) Next: the engine read this process’s standard input as insert data; run the command with </dev/null and report it with the log.',
    );
    expect(e.engineCode).toBe(48);
    expect(e.cause).toBe(raw);
  });

  it('reads the code and type of a server error', () => {
    const e = warehouseError(
      new ClickHouseError({
        message: 'Unknown table expression identifier bet_clv',
        code: '60',
        type: 'UNKNOWN_TABLE',
      }),
      'select from bet_clv',
      server,
    );
    expect(e.message).toMatch(
      /^select from bet_clv failed on ClickHouse at http:\/\/ch:8123 \(database linehouse\): .* \(engine code 60 UNKNOWN_TABLE\) Next: run `linehouse migrate`/,
    );
  });

  it.each([
    [
      { message: 'connect ECONNREFUSED 127.0.0.1:8123', code: 'ECONNREFUSED' },
      server,
      /check that ClickHouse is running and reachable at http:\/\/ch:8123/,
    ],
    [
      new ClickHouseError({ message: 'default: Authentication failed', code: '516', type: 'AUTHENTICATION_FAILED' }),
      server,
      /CLICKHOUSE_USER and CLICKHOUSE_PASSWORD/,
    ],
    [
      new ClickHouseError({ message: 'Memory limit exceeded', code: '241', type: 'MEMORY_LIMIT_EXCEEDED' }),
      server,
      /ran out of memory/,
    ],
    [
      new Error('Code: 243. DB::Exception: Cannot reserve 1.00 MiB, not enough space. (NOT_ENOUGH_SPACE)'),
      chdb,
      /free disk space for \/data\/.linehouse\/chdb/,
    ],
    [
      new Error('Code: 62. DB::Exception: Syntax error: failed at position 1. (SYNTAX_ERROR)'),
      chdb,
      /check the statement/,
    ],
    [
      new Error(
        'Code: 76. DB::Exception: Cannot lock file /data/.linehouse/chdb/status. Another server instance in same directory is already running. (CANNOT_OPEN_FILE)',
      ),
      chdb,
      /another process holds .*LINEHOUSE_DATA_DIR/,
    ],
    [
      new Error("Code: 27. DB::Exception: Cannot parse input: expected '\"' (CANNOT_PARSE_INPUT_ASSERTION_FAILED)"),
      chdb,
      /the rows did not fit the table/,
    ],
    [new Error('something new'), chdb, /report it with the structured log/],
  ])('next step for %#', (err, where, next) => {
    expect(warehouseError(err, 'insert into bets', where).next).toMatch(next);
  });

  it('tells an open failure of the data dir how to free it', () => {
    const e = warehouseError(
      new Error("Failed to create connection for path '/data/.linehouse/chdb'"),
      'opening the warehouse',
      chdb,
    );
    expect(e.message).toMatch(
      /^opening the warehouse failed on chDB at \/data\/.linehouse\/chdb: .*another process may hold/,
    );
  });

  it('keeps an error that already names its statement', () => {
    const inner = warehouseError(new Error('x'), 'insert into bets', chdb);
    expect(warehouseError(inner, 'insert into other', server)).toBe(inner);
  });
});
