import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, buildOpenApiDocument } from '../../../protocol';
// The real startServer: this file checks the SQLite file and the process itself, on SQLite whatever
// CAIRN_TEST_DATABASE says (the PostgreSQL schema checks are in storeContract.test.ts).
import { startServer } from '../../../server/server';
import { loadTlsMaterial, spkiPin } from '../../../server/tls/certificate';
import type { TestServer } from './support/server';
import { startTestServer } from './support/server';

function connectTls(url: string, options: tls.ConnectionOptions): Promise<tls.TLSSocket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: hostname, port: Number(port), rejectUnauthorized: false, ...options }, () => resolve(socket));
    socket.once('error', reject);
  });
}

describe('server skeleton', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ domain: 'skeleton.test' });
  });
  afterAll(async () => t.stop());

  it('answers /version with the API version and its domain', async () => {
    const response = await t.api.get('/version');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ apiVersion: API_VERSION, domain: 'skeleton.test' });
  });

  it('presents a certificate whose SPKI hash is the printed pin', async () => {
    const socket = await connectTls(t.server.url, {});
    const certificate = socket.getPeerX509Certificate();
    socket.destroy();
    expect(certificate).toBeInstanceOf(X509Certificate);
    expect(spkiPin(certificate?.toString() ?? '')).toBe(t.server.pin);
    expect(certificate?.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });

  it('refuses TLS 1.1 and negotiates a forward-secret suite on TLS 1.2', async () => {
    await expect(connectTls(t.server.url, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' })).rejects.toThrow();
    const socket = await connectTls(t.server.url, { maxVersion: 'TLSv1.2' });
    const cipher = socket.getCipher();
    const ephemeral = socket.getEphemeralKeyInfo();
    socket.destroy();
    expect(cipher.version).toBe('TLSv1.2');
    expect(cipher.name).toMatch(/^ECDHE-/);
    expect(ephemeral).toMatchObject({ type: 'ECDH' });
    // Only AEAD suites with ephemeral keys: a client offering nothing else is turned away.
    await expect(connectTls(t.server.url, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA:AES128-GCM-SHA256' })).rejects.toThrow();
  });

  it('refuses plain HTTP', async () => {
    const { port } = new URL(t.server.url);
    const response = await fetch(`http://127.0.0.1:${port}/version`).then(
      (r) => r.status,
      () => 'refused',
    );
    expect(response === 'refused' || response === 400).toBe(true);
  });

  it('answers unknown routes and malformed JSON with stable error codes', async () => {
    const missing = await t.api.get('/no-such-route');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'not-found' });
    const broken = await t.api.post('/login', { rawBody: '{"email":' });
    expect(broken.status).toBe(400);
    expect(broken.body).toMatchObject({ code: 'invalid-json' });
    const wrongType = await t.api.post('/login', { rawBody: 'hello', contentType: 'text/plain' });
    expect(wrongType.status).toBe(415);
    expect(wrongType.body).toMatchObject({ code: 'unsupported-media-type' });
  });

  it('serves the OpenAPI document, and the committed protocol/openapi.json is up to date', async () => {
    const response = await t.api.get('/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body).toEqual(buildOpenApiDocument());
    const committed: unknown = JSON.parse(await readFile(path.join(process.cwd(), 'protocol', 'openapi.json'), 'utf8'));
    // If this fails, run: npx tsx scripts/server-openapi.ts
    expect(committed).toEqual(buildOpenApiDocument());
  });
});

describe('data folder', () => {
  it('keeps its key and certificate across restarts, so the pin stays valid', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cairn-server-'));
    try {
      const first = await startTestServer({ dataDir });
      const pin = first.server.pin;
      await first.stop();
      const second = await startTestServer({ dataDir });
      expect(second.server.pin).toBe(pin);
      await second.stop();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('uses an operator-supplied certificate instead of making one, and pins its key', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cairn-server-'));
    const certDir = await mkdtemp(path.join(os.tmpdir(), 'cairn-cert-'));
    try {
      const own = await loadTlsMaterial(certDir, {}, ['127.0.0.1']);
      const t = await startTestServer({
        dataDir,
        tlsKeyFile: path.join(certDir, 'tls', 'key.pem'),
        tlsCertFile: path.join(certDir, 'tls', 'cert.pem'),
      });
      expect(t.server.pin).toBe(own.pin);
      expect((await t.api.get('/version')).status).toBe(200);
      const socket = await connectTls(t.server.url, {});
      expect(spkiPin(socket.getPeerX509Certificate()?.toString() ?? '')).toBe(own.pin);
      socket.destroy();
      await t.stop();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
      await rm(certDir, { recursive: true, force: true });
    }
  });

  it('refuses a database written by a newer server version', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cairn-server-'));
    try {
      const first = await startTestServer({ dataDir });
      await first.stop();
      const db = new Database(path.join(dataDir, 'cairn.db'));
      db.pragma('user_version = 999');
      db.close();
      const started = await startServer({ dataDir, port: 0, logLevel: 'silent' });
      expect(started.ok).toBe(false);
      if (!started.ok) {
        expect(started.error.code).toBe('database-too-new');
        expect(started.error.message).toContain('newer Cairn server');
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('prints exactly the url and pin lines when started from the command line', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cairn-server-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--data', dataDir, '--port', '0'], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const lines = await new Promise<string[]>((resolve, reject) => {
        let output = '';
        const timer = setTimeout(() => reject(new Error(`no url/pin within 30 s: ${output}`)), 30_000);
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString('utf8');
          const all = output.split('\n').filter((line) => line.length > 0);
          if (all.length >= 2) {
            clearTimeout(timer);
            resolve(all);
          }
        });
        child.once('exit', (code) => reject(new Error(`server exited with ${String(code)}: ${output}`)));
      });
      expect(lines[0]).toMatch(/^url: https:\/\/127\.0\.0\.1:\d+$/);
      const certificate = await readFile(path.join(dataDir, 'tls', 'cert.pem'), 'utf8');
      expect(lines[1]).toBe(`pin: ${spkiPin(certificate)}`);
    } finally {
      child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
