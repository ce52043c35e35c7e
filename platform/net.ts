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

/**
 * A port that was free a moment ago, for a server another process will bind later. It is drawn
 * below Linux's ephemeral range (32768+): a port the kernel hands out for `listen(0)` or an
 * outgoing connection can be taken by any process in between, these only by another explicit pick.
 */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const candidate = 20_000 + Math.floor(Math.random() * 12_000);
    const s = net.createServer();
    try {
      await listen(s, candidate);
      await new Promise<void>((r) => s.close(() => r()));
      return candidate;
    } catch {
      s.close();
    }
  }
  const s = net.createServer();
  const port = await listen(s, 0);
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
