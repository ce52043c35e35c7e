import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';

/**
 * Typed search attributes every linehouse workflow sets, so the Temporal UI list view can
 * filter runs: e.g. `LinehouseKind = "refresh" AND LinehouseStatus = 401`.
 * Pure definitions: safe to import from workflow code and from clients.
 */
export const SA_KIND = defineSearchAttributeKey('LinehouseKind', SearchAttributeType.KEYWORD);
export const SA_BETTOR = defineSearchAttributeKey('LinehouseBettor', SearchAttributeType.KEYWORD);
export const SA_ACCOUNT = defineSearchAttributeKey('LinehouseAccount', SearchAttributeType.KEYWORD);
export const SA_BOOK = defineSearchAttributeKey('LinehouseBook', SearchAttributeType.KEYWORD);
export const SA_STATUS = defineSearchAttributeKey('LinehouseStatus', SearchAttributeType.INT);
export const SA_PHASE = defineSearchAttributeKey('LinehousePhase', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [SA_KIND, SA_BETTOR, SA_ACCOUNT, SA_BOOK, SA_STATUS, SA_PHASE];

/**
 * An account refresh's attributes known before it runs (kind and account; bettor and book when
 * the starter knows them), set by whoever starts it. A run started with them upserts none of
 * them itself (patched 'refresh-lean-2'): every upsert is an event and a visibility write.
 */
export function refreshStartAttributes(
  accountId: string,
  known: { bettorId?: string | null; bookAbbr?: string | null } = {},
): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [
    { key: SA_KIND, value: 'refresh' },
    { key: SA_ACCOUNT, value: accountId },
  ];
  if (known.bettorId) pairs.push({ key: SA_BETTOR, value: known.bettorId });
  if (known.bookAbbr) pairs.push({ key: SA_BOOK, value: known.bookAbbr });
  return pairs;
}
