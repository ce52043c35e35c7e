import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../platform/config';
import { connectClient, connectionOptions, connectWorker } from '../../platform/temporal/connect';
import { startDevServer, type DevServer } from '../../platform/temporal/dev-server';
import { freePort } from '../../platform/net';

// `temporal server start-dev` (CLI 1.9) has no TLS flags, so a TLS terminator in front of it
// plays the part of the cluster's frontend (or the load balancer before it): it demands a client
// certificate signed by the test CA, as a Temporal frontend with requireClientAuth does. The
// certificates come from openssl, like an operator's would.
const SERVER_NAME = 'linehouse-temporal.test';

function makeCerts(dir: string): void {
  const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ossl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=linehouse test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  for (const [name, usage, san] of [
    ['server', 'serverAuth', `DNS:${SERVER_NAME}`],
    ['client', 'clientAuth', 'DNS:linehouse-worker'],
  ]) {
    ossl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${san.slice(4)}`);
    fs.writeFileSync(
      path.join(dir, `${name}.ext`),
      `subjectAltName=${san}\nextendedKeyUsage=${usage}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n`,
    );
    ossl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    );
  }
}

describe('Temporal over mTLS (client and worker connections)', () => {
  let dir: string;
  let dev: DevServer;
  let proxy: tls.Server;
  let address: string;
  const peers: string[] = [];
  const env = (extra: Record<string, string> = {}) => {
    const t = loadConfig({
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
      TEMPORAL_TLS_CA_PATH: path.join(dir, 'ca.pem'),
      ...extra,
    }).temporal;
    return { ...t, address: t.address! };
  };
  const mtls = () => ({
    TEMPORAL_TLS_CERT_PATH: path.join(dir, 'client.pem'),
    TEMPORAL_TLS_KEY_PATH: path.join(dir, 'client.key'),
  });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lh-temporal-mtls-'));
    makeCerts(dir);
    const port = await freePort();
    dev = await startDevServer({ dataDir: dir, port, uiPort: 0, namespace: 'default', headless: true });
    const read = (f: string) => fs.readFileSync(path.join(dir, f));
    proxy = tls.createServer(
      {
        key: read('server.key'),
        cert: read('server.pem'),
        ca: read('ca.pem'),
        requestCert: true,
        rejectUnauthorized: true,
        ALPNProtocols: ['h2'],
      },
      (socket) => {
        peers.push(String(socket.getPeerCertificate().subject?.CN));
        const upstream = net.connect(port, '127.0.0.1');
        socket.pipe(upstream).pipe(socket);
        socket.on('error', () => upstream.destroy());
        upstream.on('error', () => socket.destroy());
      },
    );
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    address = `127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
  });
  afterAll(async () => {
    proxy?.close();
    await dev?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the client connects with the client certificate, the private CA and the server name', async () => {
    const client = await connectClient(env(mtls()));
    try {
      const info = await client.workflowService.getSystemInfo({});
      expect(info.serverVersion).toMatch(/\d+\.\d+/);
      expect(peers).toContain('linehouse-worker');
    } finally {
      await client.connection.close();
    }
  });

  it('the worker connection (Rust core) connects the same way', async () => {
    const worker = await connectWorker(env(mtls()));
    try {
      const info = await worker.workflowService.getSystemInfo({});
      expect(info.serverVersion).toMatch(/\d+\.\d+/);
    } finally {
      await worker.close();
    }
  });

  it('without the client certificate, or without the private CA, the handshake is refused', async () => {
    await expect(Connection.connect({ ...connectionOptions(env()), connectTimeout: 3000 })).rejects.toThrow();
    const noCa = { ...env(mtls()), tlsFiles: { ...env(mtls()).tlsFiles, caPath: undefined } };
    await expect(Connection.connect({ ...connectionOptions(noCa), connectTimeout: 3000 })).rejects.toThrow();
  });
});
