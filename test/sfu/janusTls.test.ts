import { describe, expect, it } from 'vitest';
import { newCallSecret, sfuRoom } from '../../electron/core/calls/conference/ephemeralIds';
import { JanusSession } from '../../electron/core/net/janusClient';
import { requireSfuNamespace } from '../support/sfuNamespace';
import { useTestServer } from '../support/testServer';

requireSfuNamespace();

/** A Janus for clients on other machines: its API over HTTPS with the server's own key. */
const t = useTestServer('sfu-tls', { sfu: { kind: 'local', required: true, httpsIp: '127.0.0.1' } });

describe('a Janus API served over HTTPS', () => {
  it('is listed with the server pin, and the core reaches it through the pinned connection', async () => {
    const [sfu] = t.server.sfus.sftServers(Date.now());
    if (!sfu) throw new Error('the server lists no SFU');
    expect(sfu.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/janus$/);
    expect(sfu.pins).toEqual([t.server.pin]);
    const session = await JanusSession.create({ url: sfu.url, token: sfu.token, pins: sfu.pins });
    if (!session.ok) throw new Error(session.error.message);
    try {
      const admin = await session.value.attachVideoRoom();
      if (!admin.ok) throw new Error(admin.error.message);
      const ids = sfuRoom(newCallSecret());
      expect(await admin.value.createRoom(ids)).toEqual({ ok: true, value: ids.room });
    } finally {
      await session.value.destroy();
    }
  });

  it('sends nothing to a Janus whose key does not match the pin', async () => {
    const [sfu] = t.server.sfus.sftServers(Date.now());
    if (!sfu) throw new Error('the server lists no SFU');
    const wrong = await JanusSession.create({ url: sfu.url, token: sfu.token, pins: ['sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='] });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'tls-pin-mismatch' } });
  });

  it('does not answer plain http', async () => {
    const [sfu] = t.server.sfus.sftServers(Date.now());
    await expect(fetch(`${sfu?.url.replace('https:', 'http:')}/info`)).rejects.toThrow();
  });
});
