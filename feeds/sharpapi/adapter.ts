// createSharpApiAdapter: checks the configuration; each run is one SharpApiPoller (poller.ts).
import type { FeedAdapter } from '../types';
import type { SharpApiAdapterOptions } from './options';
import { SharpApiPoller } from './poller';

export function createSharpApiAdapter(opts: SharpApiAdapterOptions): FeedAdapter {
  if (!opts.baseUrl) throw new Error('SharpAPI needs a base URL: set SHARPAPI_BASE_URL (e.g. https://api.sharpapi.io)');
  if (!opts.apiKey) throw new Error('SharpAPI needs an API key: set SHARPAPI_API_KEY');
  return {
    source: 'sharpapi',
    run: (ctx) => new SharpApiPoller(opts, ctx).run(),
  };
}
