import http from 'node:http';
import { refreshClv } from './clv';
import { runSql, type Warehouse } from './warehouse/client';

/**
 * `linehouse query` and `linehouse clv` from another process while `up` owns the embedded engine
 * (chDB binds one process per data dir). Loopback only, and a bearer token from the 0600 run file.
 *   POST /query        SQL text in, JSONEachRow out
 *   POST /clv/refresh  event resolution + stored closes (refreshClv), its counts as JSON out
 */
export function createAdminServer(ch: Warehouse, token: string): http.Server {
  return http.createServer(async (req, res) => {
    const route = req.method === 'POST' ? req.url : undefined;
    if ((route !== '/query' && route !== '/clv/refresh') || req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(req.headers.authorization === `Bearer ${token}` ? 404 : 401).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    try {
      if (route === '/clv/refresh') {
        const result = await refreshClv(ch);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
        return;
      }
      const text = await runSql(ch, Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/x-ndjson' }).end(text);
    } catch (err) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end((err as Error).message);
    }
  });
}
