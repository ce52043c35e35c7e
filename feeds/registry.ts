import type { FeedsConfig } from '../platform/config';
import { createBoltOddsAdapter } from './boltodds';
import { createOpticOddsAdapter } from './opticodds';
import { createSharpApiAdapter } from './sharpapi';
import type { FeedAdapter } from './types';

/** Adapter factories for every feed whose base URL and key are configured. */
export function configuredFeeds(feeds: FeedsConfig): Record<string, () => FeedAdapter> {
  const out: Record<string, () => FeedAdapter> = {};
  const { opticodds, boltodds, sharpapi } = feeds;
  if (opticodds) out.opticodds = () => createOpticOddsAdapter(opticodds);
  if (boltodds) out.boltodds = () => createBoltOddsAdapter(boltodds);
  if (sharpapi) out.sharpapi = () => createSharpApiAdapter(sharpapi);
  return out;
}
