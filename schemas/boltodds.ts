/**
 * Zod schemas for the BoltOdds odds WebSocket (reference: boltodds-websocket-api.txt,
 * "Message Types"). Objects are loose: the doc warns that "message format can be changed or
 * modified in the future", so unknown fields pass through. What the adapter keys on (action,
 * timestamp, sportsbook, game, outcome names) is strict, so an unusable message fails loudly;
 * descriptive fields it reads only when they are strings (teams, `when`, links) take any value.
 * Outcomes are checked one by one (BoltOddsOutcomeSchema, in state.ts): one bad outcome is
 * refused alone and the rest of its game loads.
 */
import { z } from 'zod';

const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 timestamp');
const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** The clear messages put `{}` where a game message has a string (game, info, home_team…). */
const placeholder = z.union([z.string(), z.record(z.string(), z.unknown()), z.null()]).optional();

export const BoltOddsOutcomeSchema = z.looseObject({
  /** American odds as a string ("+3300"); `None` (null) or '' while suspended, closed or unavailable. */
  odds: z.union([z.string(), z.number()]).nullish(),
  link: z.unknown().optional(),
  /** The market (part of every tick's key): blank is as good as missing. */
  outcome_name: z.string().refine((s) => s.trim() !== '', 'outcome_name must not be blank'),
  /** A number or a numeric string ("0.5" in parlay legs); null for moneylines. */
  outcome_line: z
    .union([
      z.number(),
      z.string().refine((s) => s.trim() === '' || NUMERIC.test(s.trim()), 'outcome_line must be numeric'),
    ])
    .nullish(),
  outcome_over_under: z.string().nullish(),
  outcome_target: z.string().nullish(),
});
export type BoltOddsOutcome = z.infer<typeof BoltOddsOutcomeSchema>;

export const BoltOddsInfoSchema = z.looseObject({
  id: z.union([z.number(), z.string()]).nullish(),
  game: z.unknown().optional(),
  /** Local (US Eastern) start, e.g. "2025-07-23, 01:09 PM"; read when it is a string in that form. */
  when: z.unknown().optional(),
  link: z.unknown().optional(),
  universal_id: z.string().nullish(),
});

export const BoltOddsGameDataSchema = z.looseObject({
  sport: z.string().min(1),
  sportsbook: z.string().min(1),
  /** "Home vs Away, YYYY-MM-DD, HH": the key the subscription's `games` filter uses. */
  game: z.string().min(1),
  /** Read when a string; else the teams come from `game`. */
  home_team: z.unknown().optional(),
  away_team: z.unknown().optional(),
  universal_id: z.string().nullish(),
  info: BoltOddsInfoSchema.nullish(),
  outcomes: z.record(z.string(), z.unknown()),
});
export type BoltOddsGameData = z.infer<typeof BoltOddsGameDataSchema>;

const gameMessage = <A extends string>(action: A) =>
  z.looseObject({ timestamp: isoTime, action: z.literal(action), data: BoltOddsGameDataSchema });

export const InitialStateSchema = gameMessage('initial_state');
export const GameUpdateSchema = gameMessage('game_update');
/** Not in the "Message Types" list, but handled by the doc's Basic Example; same shape as game_update. */
export const GameAddedSchema = gameMessage('game_added');
export const GameRemovedSchema = gameMessage('game_removed');
export const LineUpdateSchema = gameMessage('line_update');

export const SportClearSchema = z.looseObject({
  timestamp: isoTime,
  action: z.literal('sport_clear'),
  data: z.looseObject({
    sport: z.string().min(1),
    sportsbook: z.string().min(1),
    game: placeholder,
    info: placeholder,
    outcomes: placeholder,
  }),
});

export const BookClearSchema = z.looseObject({
  timestamp: isoTime,
  action: z.literal('book_clear'),
  data: z.looseObject({
    sport: placeholder,
    sportsbook: z.string().min(1),
    game: placeholder,
    info: placeholder,
    outcomes: placeholder,
  }),
});

export const SocketConnectedSchema = z.looseObject({ action: z.literal('socket_connected') });
export const PingSchema = z.looseObject({ action: z.literal('ping') });
export const ErrorMessageSchema = z.looseObject({ action: z.literal('error'), message: z.unknown().optional() });
export const SubscriptionUpdatedSchema = z.looseObject({
  action: z.literal('subscription_updated'),
  message: z.unknown().optional(),
});

export const BoltOddsMessageSchema = z.discriminatedUnion('action', [
  SocketConnectedSchema,
  InitialStateSchema,
  GameUpdateSchema,
  GameAddedSchema,
  GameRemovedSchema,
  LineUpdateSchema,
  SportClearSchema,
  BookClearSchema,
  PingSchema,
  ErrorMessageSchema,
  SubscriptionUpdatedSchema,
]);
export type BoltOddsMessage = z.infer<typeof BoltOddsMessageSchema>;
export type BoltOddsGameMessage =
  | z.infer<typeof InitialStateSchema>
  | z.infer<typeof GameUpdateSchema>
  | z.infer<typeof GameAddedSchema>
  | z.infer<typeof GameRemovedSchema>
  | z.infer<typeof LineUpdateSchema>;
export const BOLTODDS_ACTIONS = [
  'socket_connected',
  'initial_state',
  'game_update',
  'game_added',
  'game_removed',
  'line_update',
  'sport_clear',
  'book_clear',
  'ping',
  'error',
  'subscription_updated',
] as const;

/** A missing key means "all" (reference: "If either of these subscription filters are left out…"). */
export const BoltOddsFiltersSchema = z.object({
  sports: z.array(z.string()).optional(),
  sportsbooks: z.array(z.string()).optional(),
  games: z.array(z.string()).optional(),
  markets: z.array(z.string()).optional(),
});
export type BoltOddsFilters = z.infer<typeof BoltOddsFiltersSchema>;

/** The client's message: the first subscription and every re-subscription use this same shape. */
export const SubscribeMessageSchema = z.object({ action: z.literal('subscribe'), filters: BoltOddsFiltersSchema });
