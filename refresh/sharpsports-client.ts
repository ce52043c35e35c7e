import { Agent, request, type Dispatcher } from 'undici';

/** An HTTP error from SharpSports, classified for the retry policy of the caller. */
export class SharpSportsHttpError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`SharpSports ${method} ${path} answered ${status}: ${body.slice(0, 300)}`);
    this.name = 'SharpSportsHttpError';
  }
  /** 4xx other than 408/429 will not change on retry: bad key, unknown id, bad parameters. */
  get retryable(): boolean {
    return this.status >= 500 || this.status === 408 || this.status === 429;
  }
}

/** A setting the call needs is missing: retrying cannot help, the operator must set it. */
export class MissingSettingError extends Error {
  name = 'MissingSettingError';
}

export interface SharpSportsClient {
  get<T = unknown>(path: string, query?: Record<string, string | number | undefined>): Promise<T>;
  post<T = unknown>(path: string, body?: unknown): Promise<T>;
  put<T = unknown>(path: string, body?: unknown): Promise<T>;
}

export function createSharpSportsClient(opts: {
  baseUrl: string;
  apiKey?: string;
  timeoutMs: number;
  dispatcher?: Dispatcher;
}): SharpSportsClient {
  const dispatcher = opts.dispatcher ?? new Agent({ keepAliveTimeout: 10_000, connections: 32 });
  async function call<T>(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    query?: Record<string, string | number | undefined>,
    body?: unknown,
  ): Promise<T> {
    if (!opts.apiKey)
      throw new MissingSettingError(
        'SHARPSPORTS_API_KEY is not set: set it to your SharpSports private key (or run `linehouse up --sandbox`)',
      );
    const url = new URL(opts.baseUrl + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const res = await request(url, {
      method,
      dispatcher,
      headers: {
        authorization: `Token ${opts.apiKey}`,
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
    });
    const text = await res.body.text();
    if (res.statusCode >= 400) throw new SharpSportsHttpError(method, url.pathname, res.statusCode, text);
    try {
      return (text.length ? JSON.parse(text) : null) as T;
    } catch {
      throw new SharpSportsHttpError(method, url.pathname, 502, `not JSON: ${text.slice(0, 200)}`);
    }
  }
  return {
    get: (path, query) => call('GET', path, query),
    post: (path, body) => call('POST', path, undefined, body),
    put: (path, body) => call('PUT', path, undefined, body),
  };
}
