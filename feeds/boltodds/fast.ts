// The fast path in front of BoltOddsOutcomeSchema: true only when the schema would accept the
// outcome as it is; a false sends it through the schema, which has the final word and the text.
import type { BoltOddsOutcome } from '../../schemas/boltodds';

const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const maybeStr = (v: unknown): boolean => v === undefined || v === null || typeof v === 'string';

export function isBoltOddsOutcome(v: unknown): v is BoltOddsOutcome {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  const odds = o.odds;
  const line = o.outcome_line;
  return (
    typeof o.outcome_name === 'string' &&
    o.outcome_name.trim() !== '' &&
    (odds === undefined ||
      odds === null ||
      typeof odds === 'string' ||
      (typeof odds === 'number' && Number.isFinite(odds))) &&
    (line === undefined ||
      line === null ||
      (typeof line === 'number' && Number.isFinite(line)) ||
      (typeof line === 'string' && (line.trim() === '' || NUMERIC.test(line.trim())))) &&
    maybeStr(o.outcome_over_under) &&
    maybeStr(o.outcome_target)
  );
}
