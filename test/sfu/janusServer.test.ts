import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { signSfuToken } from '../../server/calls/sfuToken';
import { requireSfuNamespace, SFU_INTERFACE } from '../support/sfuNamespace';
import { useTestServer } from '../support/testServer';
import { startServer } from '../../server/server';

requireSfuNamespace();

const t = useTestServer('sfu-server', { sfu: { kind: 'local', required: true } });

async function janusCreate(url: string, token: string | undefined): Promise<unknown> {
  const response = await fetch(url, { method: 'POST', body: JSON.stringify({ janus: 'create', transaction: 'probe', ...(token !== undefined ? { token } : {}) }) });
  return response.json();
}

async function tokenSecret(serverDir: string): Promise<string> {
  const config = await readFile(path.join(serverDir, 'janus', 'janus.jcfg'), 'utf8');
  const secret = /token_auth_secret = "([^"]+)"/.exec(config)?.[1];
  if (secret === undefined) throw new Error('the generated janus.jcfg has no token_auth_secret');
  return secret;
}

describe('Janus started by the server', () => {
  it('lists its local Janus with a token that expires in 24 hours', async () => {
    const now = Date.now();
    const servers = t.server.sfus.sftServers(now);
    expect(servers).toHaveLength(1);
    const [sfu] = servers;
    expect(sfu?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/janus$/);
    expect(sfu?.expires).toBe(Math.floor(now / 1000) + 24 * 3600);
    expect(t.server.sfus.summary).toContain(`ICE on ${SFU_INTERFACE}`);
    const info: unknown = await (await fetch(`${sfu?.url}/info`)).json();
    expect(info).toMatchObject({ janus: 'server_info', auth_token: true });
  });

  it('refuses a session without a token and with an expired one, and opens one with the listed token', async () => {
    const [sfu] = t.server.sfus.sftServers(Date.now());
    if (!sfu) throw new Error('no SFU listed');
    expect(await janusCreate(sfu.url, undefined)).toMatchObject({ janus: 'error', error: { code: 403 } });
    const secret = await tokenSecret(t.serverDir);
    const expired = signSfuToken(secret, Date.now() - 2 * 24 * 3600 * 1000);
    expect(expired.expires).toBeLessThan(Date.now() / 1000);
    expect(await janusCreate(sfu.url, expired.token)).toMatchObject({ janus: 'error', error: { code: 403 } });
    const forged = signSfuToken('not-the-secret', Date.now());
    expect(await janusCreate(sfu.url, forged.token)).toMatchObject({ janus: 'error', error: { code: 403 } });
    expect(await janusCreate(sfu.url, sfu.token)).toMatchObject({ janus: 'success', data: { id: expect.any(Number) } });
  });

  it('loads VideoRoom only and keeps its HTTP API on loopback', async () => {
    const [sfu] = t.server.sfus.sftServers(Date.now());
    if (!sfu) throw new Error('no SFU listed');
    const info = (await (await fetch(`${sfu.url}/info`)).json()) as { plugins: Record<string, unknown>; transports: Record<string, unknown> };
    expect(Object.keys(info.plugins)).toEqual(['janus.plugin.videoroom']);
    expect(Object.keys(info.transports)).toEqual(['janus.transport.http']);
    const port = new URL(sfu.url).port;
    await expect(fetch(`http://127.0.0.2:${port}/janus/info`)).rejects.toThrow();
  });
});

describe('Janus lifetime', () => {
  it('stops the Janus it started when the server closes', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'cairn-sfu-stop-'));
    try {
      const started = await startServer({ dataDir: root, port: 0, logLevel: 'silent', sfu: { kind: 'local', required: true } });
      if (!started.ok) throw new Error(started.error.message);
      const pid = Number(/pid (\d+)/.exec(started.value.sfus.summary)?.[1]);
      const [sfu] = started.value.sfus.sftServers(Date.now());
      expect((await fetch(`${sfu?.url}/info`)).ok).toBe(true);
      expect(processExists(pid)).toBe(true);
      await started.value.close();
      expect(processExists(pid)).toBe(false);
      await expect(fetch(`${sfu?.url}/info`)).rejects.toThrow();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('refuses to start a required Janus on a machine with only loopback, saying why', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'cairn-sfu-lo-'));
    try {
      const lo = [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4' as const, mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }];
      const started = await startServer({ dataDir: root, port: 0, logLevel: 'silent', sfu: { kind: 'local', required: true, interfaces: { lo } } });
      expect(started.ok).toBe(false);
      if (started.ok) await started.value.close();
      else {
        expect(started.error.code).toBe('sfu-no-interface');
        expect(started.error.message).toContain('ignores loopback interfaces');
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

/** Signal 0 checks that a process exists without touching it. */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
