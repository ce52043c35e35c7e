// State (what a restart must remember): the schema of the checkpoint `state`.
import { z } from 'zod';

const OutcomeRecSchema = z.object({
  name: z.string(),
  target: z.string().nullable(),
  ou: z.string().nullable(),
  line: z.number().nullable(),
  price: z.number().nullable(),
  locked: z.boolean(),
});
const GameRecSchema = z.object({
  book: z.string(),
  sport: z.string(),
  game: z.string(),
  eventKey: z.string(),
  providerEventId: z.string(),
  home: z.string(),
  away: z.string(),
  start: z.string().nullable(),
  cleared: z.boolean().optional(),
  outcomes: z.record(z.string(), OutcomeRecSchema),
});
export const BoltOddsStateSchema = z.object({ v: z.literal(1), games: z.array(GameRecSchema) });
export type BoltOddsCheckpointState = z.infer<typeof BoltOddsStateSchema>;
export type GameRec = z.infer<typeof GameRecSchema>;
export type OutcomeRec = z.infer<typeof OutcomeRecSchema>;
