import { z } from 'zod';

/**
 * OpticOdds copilot odds stream (SSE) payloads, as in ../shared/reference/opticodds-copilot-odds-stream.txt.
 * Objects are loose: OpticOdds adds fields over time (real streams carry `sportsbook`, `is_live`, …)
 * and an unknown field must not turn a good message into a rejection.
 */

/** Redis-stream style "<ms>-<seq>": the resume position (`last_entry_id`) and the dedupe key. */
export const EntryIdSchema = z.string().regex(/^\d+-\d+$/, 'entry_id must look like "<ms>-<seq>"');

const nullableString = z.string().nullable().optional();

/** Fields every odd carries, in live, locked and settled events alike. */
const oddFields = {
  id: z.string().min(1),
  fixture_id: z.string().min(1),
  game_id: z.string().min(1),
  league: z.string(),
  sport: z.string(),
  market: z.string().min(1),
  name: z.string(),
  odd_id: z.string().optional(),
  player_id: nullableString,
  team_id: nullableString,
  points: z.number().nullable().optional(),
  selection: nullableString,
  selection_line: nullableString,
  version_id: z.number().optional(),
  /** Not in the doc example; present on real streams. */
  sportsbook: nullableString,
};

/** One odd inside `copilot-odds` / `copilot-locked-odds`. */
export const CopilotOddSchema = z.looseObject({
  ...oddFields,
  grouping_key: nullableString,
  is_main: z.boolean().nullable().optional(),
  /** American; validated later with parseAmerican so a bad price rejects with a price reason. */
  price: z.union([z.number(), z.string()]).nullable().optional(),
  /** Epoch seconds (the doc sends integers; fixture-status sends fractions). */
  timestamp: z.number(),
  is_live: z.boolean().nullable().optional(),
});
export type CopilotOdd = z.infer<typeof CopilotOddSchema>;

/** One odd inside `copilot-settled-odds` (no price; adds settlement + settled_at). */
export const CopilotSettledOddSchema = z.looseObject({
  ...oddFields,
  timestamp: z.number(),
  settlement: z.string().min(1),
  settled_at: nullableString,
});
export type CopilotSettledOdd = z.infer<typeof CopilotSettledOddSchema>;

/**
 * Envelope of the three odds events. `data` items are validated one by one (see the adapter) so
 * one bad odd is rejected without losing the others in the same entry.
 */
export const CopilotEntrySchema = z.looseObject({
  entry_id: EntryIdSchema,
  data: z.array(z.unknown()),
  type: z.string().optional(),
});
export type CopilotEntry = z.infer<typeof CopilotEntrySchema>;

const isoOrNull = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 timestamp')
  .nullable()
  .optional();

export const FixtureStatusSchema = z.looseObject({
  entry_id: EntryIdSchema,
  data: z.looseObject({
    fixture: z
      .looseObject({
        id: z.string().optional(),
        game_id: z.string().optional(),
        home_team_display: nullableString,
        away_team_display: nullableString,
        start_date: isoOrNull,
      })
      .optional(),
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
export const PingDataSchema = z.string().refine((s) => !Number.isNaN(Date.parse(s.trim())), 'ping data must be an ISO-8601 time');

export const ODDS_EVENTS = ['copilot-odds', 'copilot-locked-odds', 'copilot-settled-odds'] as const;
export const STREAM_EVENTS = ['connected', 'ping', ...ODDS_EVENTS, 'fixture-status'] as const;
export type StreamEventName = (typeof STREAM_EVENTS)[number];
