import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeServer } from '../../../electron/core/net/serverProbe';
import { loadTlsMaterial } from '../../../server/tls/certificate';

const OTHER_PIN = `sha256/${'B'.repeat(43)}=`;

let dir: string;
let server: https.Server;
let url: string;
let pin: string;
/** Bytes of HTTP request data the server received, across all connections. */
let requestBytes = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cairn-pin-'));
  const tls = await loadTlsMaterial(dir, {}, ['127.0.0.1']);
  pin = tls.pin;
  server = https.createServer({ key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2' }, (request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ apiVersion: 1, domain: 'pinned.test' }));
  });
  server.on('secureConnection', (socket) => socket.on('data', (chunk: Buffer) => (requestBytes += chunk.length)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  url = `https://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe('pinned TLS', () => {
  it('talks to a server whose key matches the pin', async () => {
    const probe = await probeServer({ url, pins: [pin] });
    expect(probe).toMatchObject({ domain: 'pinned.test', apiVersion: 1 });
    // The byte counter sees real requests, so the mismatch test below can trust a zero.
    expect(requestBytes).toBeGreaterThan(0);
  });

  it('accepts the backup pin when the current one is another key', async () => {
    const probe = await probeServer({ url, pins: [OTHER_PIN, pin] });
    expect(probe.domain).toBe('pinned.test');
  });

  it('refuses a server whose key does not match, before sending a single request byte', async () => {
    const before = requestBytes;
    await expect(probeServer({ url, pins: [OTHER_PIN] })).rejects.toMatchObject({
      code: 'tls-pin-mismatch',
      message: expect.stringMatching(/Nothing was sent/),
    });
    expect(requestBytes).toBe(before);
  });

  it('reports an unreachable server plainly', async () => {
    await expect(probeServer({ url: 'https://127.0.0.1:1', pins: [pin] }, 2000)).rejects.toMatchObject({
      code: 'network-unreachable',
    });
  });
});
