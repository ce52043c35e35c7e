import type http from 'node:http';
import net from 'node:net';

/** Listens and resolves with the bound port (port 0 = any free one); rejects if the port is taken. */
export async function listen(server: http.Server | net.Server, port: number, host = '127.0.0.1'): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as net.AddressInfo).port;
}

/** A port that was free a moment ago (take it right before use: another process can grab it). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  const port = await listen(s, 0);
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
