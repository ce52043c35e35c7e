import http from 'node:http';
import { refreshClv } from '../clv';
import { runSql, type Warehouse } from '../platform/warehouse/client';
import { listRejections, replayRejections, type RejectionFilter } from '../rejections/replay';

/**
 * `linehouse query` and `linehouse clv` from another process while `up` owns the embedded engine
 * (chDB binds one process per data dir). Loopback only, and a bearer token from the 0600 run file.
 *   POST /query        SQL text in, JSONEachRow out
 *   POST /clv/refresh  event resolution + stored closes (refreshClv), its counts as JSON out
 *   POST /rejected/list    a RejectionFilter in, the listing as JSON out
 *   POST /rejected/replay  a RejectionFilter in, NDJSON out: progress lines, then the summary
 */
const ROUTES = ['/query', '/clv/refresh', '/rejected/list', '/rejected/replay'];

export function createAdminServer(ch: Warehouse, token: string): http.Server {
  return http.createServer(async (req, res) => {
    const route = req.method === 'POST' ? req.url : undefined;
    if (!ROUTES.includes(route ?? '') || req.headers.authorization !== `Bearer ${token}`) {
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
      if (route === '/rejected/list' || route === '/rejected/replay') {
        const filter = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as RejectionFilter;
        if (route === '/rejected/list') {
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify(await listRejections(ch, filter)));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        const summary = await replayRejections(ch, filter, (done, total, s) =>
          res.write(JSON.stringify({ progress: { done, total, ...s } }) + '\n'),
        );
        res.end(JSON.stringify({ summary }) + '\n');
        return;
      }
      const text = await runSql(ch, Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/x-ndjson' }).end(text);
    } catch (err) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end((err as Error).message);
    }
  });
}
