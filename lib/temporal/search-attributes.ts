import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

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
