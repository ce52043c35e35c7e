import { z } from 'zod';

/**
 * OpticOdds copilot odds stream (SSE) payloads, as in ../shared/reference/opticodds-copilot-odds-stream.txt.
 * Objects are loose: OpticOdds adds fields over time (real streams carry `sportsbook`, `is_live`, …)
 * and an unknown field must not turn a good message into a rejection. Only what loading needs is
 * checked (keys, ids, times, numbers); a field the mapping never reads takes any value.
 */

/**
 * The dedupe key and, in its documented Redis-stream form "<ms>-<seq>", the resume position
 * (`last_entry_id`). Any other form still loads: events.ts just never resumes from it.
 */
export const EntryIdSchema = z.string().min(1);

const nullableString = z.string().nullable().optional();
/** Descriptive fields the mapping does not read, or reads only when they have the expected type. */
const notRead = z.unknown().optional();
const isoOrNull = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 timestamp')
  .nullable()
  .optional();

/** Fields every odd carries, in live, locked and settled events alike. */
const oddFields = {
  id: z.string().min(1),
  fixture_id: z.string().min(1),
  game_id: z.string().min(1),
  league: z.string(),
  sport: z.string(),
  market: z.string().min(1),
  name: z.string(),
  odd_id: notRead,
  player_id: notRead,
  team_id: notRead,
  points: z.number().nullable().optional(),
  selection: nullableString,
  selection_line: nullableString,
  version_id: notRead,
  /** Not in the doc example; present on real streams. */
  sportsbook: nullableString,
};

/** One odd inside `copilot-odds` / `copilot-locked-odds`. */
export const CopilotOddSchema = z.looseObject({
  ...oddFields,
  grouping_key: notRead,
  /** Read when boolean; anything else is "not said" (null). */
  is_main: notRead,
  /** American; validated later with parseAmerican so a bad price rejects with a price reason. */
  price: z.union([z.number(), z.string()]).nullable().optional(),
  /** Epoch seconds (the doc sends integers; fixture-status sends fractions). */
  timestamp: z.number(),
  /** Read when boolean; anything else falls back to the fixture's status or start. */
  is_live: notRead,
});
export type CopilotOdd = z.infer<typeof CopilotOddSchema>;

/** One odd inside `copilot-settled-odds` (no price; adds settlement + settled_at). */
export const CopilotSettledOddSchema = z.looseObject({
  ...oddFields,
  timestamp: z.number(),
  /** Kept as the provider says it (Won, Half Lost, a value not yet seen …). */
  settlement: z.string().min(1),
  settled_at: isoOrNull,
});
export type CopilotSettledOdd = z.infer<typeof CopilotSettledOddSchema>;

/**
 * Envelope of the three odds events. `data` items are validated one by one (see the adapter) so
 * one bad odd is rejected without losing the others in the same entry.
 */
export const CopilotEntrySchema = z.looseObject({
  entry_id: EntryIdSchema,
  data: z.array(z.unknown()),
  type: notRead,
});
export type CopilotEntry = z.infer<typeof CopilotEntrySchema>;

export const FixtureStatusSchema = z.looseObject({
  entry_id: EntryIdSchema,
  data: z.looseObject({
    fixture: z
      .looseObject({
        id: notRead,
        game_id: notRead,
        home_team_display: nullableString,
        away_team_display: nullableString,
        start_date: isoOrNull,
      })
      .nullish(),
    fixture_id: z.string().min(1),
    game_id: z.string().min(1),
    league: z.string(),
    sport: z.string(),
    new_start_date: isoOrNull,
    old_start_date: isoOrNull,
    new_status: nullableString,
    old_status: nullableString,
    timestamp: z.number(),
  }),
});
export type FixtureStatus = z.infer<typeof FixtureStatusSchema>;

/** `connected` carries "ok go"; `ping` carries the server time (ISO, second precision). */
export const PingDataSchema = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s.trim())), 'ping data must be an ISO-8601 time');

export const ODDS_EVENTS = ['copilot-odds', 'copilot-locked-odds', 'copilot-settled-odds'] as const;
export const STREAM_EVENTS = ['connected', 'ping', ...ODDS_EVENTS, 'fixture-status'] as const;
export type StreamEventName = (typeof STREAM_EVENTS)[number];
