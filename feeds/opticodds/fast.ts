// Fast paths in front of the provider schemas (schemas/opticodds.ts): true only when the schema
// would accept the value as it is; a false sends it through the schema, which has the final word
// and writes the rejection's text. The loose schemas copy every field of every odd; these only look.
import type { CopilotOdd } from '../../schemas/opticodds';

type Rec = Record<string, unknown>;
const isObj = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown): boolean => typeof v === 'string' && v.length > 0;
const str = (v: unknown): boolean => typeof v === 'string';
/** `.nullable().optional()` of the given check. */
const maybe = (v: unknown, check: (v: unknown) => boolean): boolean => v === undefined || v === null || check(v);
const num = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);

/** CopilotEntrySchema. */
export function isCopilotEntry(v: unknown): v is { entry_id: string; data: unknown[] } {
  return isObj(v) && nonEmpty(v.entry_id) && Array.isArray(v.data);
}

/** CopilotOddSchema. */
export function isCopilotOdd(v: unknown): v is CopilotOdd {
  return (
    isObj(v) &&
    nonEmpty(v.id) &&
    nonEmpty(v.fixture_id) &&
    nonEmpty(v.game_id) &&
    str(v.league) &&
    str(v.sport) &&
    nonEmpty(v.market) &&
    str(v.name) &&
    maybe(v.points, num) &&
    maybe(v.selection, str) &&
    maybe(v.selection_line, str) &&
    maybe(v.sportsbook, str) &&
    maybe(v.price, (p) => num(p) || str(p)) &&
    num(v.timestamp)
  );
}
