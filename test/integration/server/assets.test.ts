import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AssetSchema, CallConfigSchema } from '../../../protocol';
import { createGroup } from './support/conversations';
import type { TestServer } from './support/server';
import { startTestServer } from './support/server';
import type { TestClient } from './support/users';
import { userWithClient } from './support/users';

const MAX = 256 * 1024;

describe('assets', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ maxAssetBytes: MAX });
  });
  afterAll(async () => t.stop());

  const upload = async (user: TestClient, bytes: Buffer, query = '') => {
    const response = await t.api.post(`/assets${query}`, { token: user.token, rawBody: bytes, contentType: 'application/octet-stream' });
    return response;
  };

  it('stores an encrypted blob and gives it back byte for byte to its uploader', async () => {
    const ada = await userWithClient(t.api, t.dataDir);
    const blob = randomBytes(100_000);
    const uploaded = await upload(ada, blob);
    expect(uploaded.status, uploaded.raw.toString()).toBe(201);
    const asset = AssetSchema.parse(uploaded.body);
    expect(asset).toMatchObject({ size: blob.length, expires: null });
    const downloaded = await t.api.get(`/assets/${asset.key}`, { token: ada.token });
    expect(downloaded.status).toBe(200);
    expect(downloaded.raw.equals(blob)).toBe(true);
    const empty = AssetSchema.parse((await upload(ada, Buffer.alloc(0))).body);
    const emptyDownload = await t.api.get(`/assets/${empty.key}`, { token: ada.token });
    expect(emptyDownload.status).toBe(200);
    expect(emptyDownload.raw).toHaveLength(0);
  });

  it('resumes a download from a byte range', async () => {
    const ada = await userWithClient(t.api, t.dataDir);
    const blob = randomBytes(50_000);
    const asset = AssetSchema.parse((await upload(ada, blob)).body);
    const tail = await t.api.get(`/assets/${asset.key}`, { token: ada.token, headers: { range: 'bytes=20000-' } });
    expect(tail.status).toBe(206);
    expect(tail.headers['content-range']).toBe(`bytes 20000-49999/50000`);
    expect(tail.raw.equals(blob.subarray(20000))).toBe(true);
    const middle = await t.api.get(`/assets/${asset.key}`, { token: ada.token, headers: { range: 'bytes=10-19' } });
    expect(middle.raw.equals(blob.subarray(10, 20))).toBe(true);
    const suffix = await t.api.get(`/assets/${asset.key}`, { token: ada.token, headers: { range: 'bytes=-100' } });
    expect(suffix.raw.equals(blob.subarray(-100))).toBe(true);
    expect((await t.api.get(`/assets/${asset.key}`, { token: ada.token, headers: { range: 'bytes=60000-' } })).status).toBe(416);
  });

  it('lets members of a conversation the asset was shared in download it, and nobody else', async () => {
    const ada = await userWithClient(t.api, t.dataDir);
    const bob = await userWithClient(t.api, t.dataDir);
    const eve = await userWithClient(t.api, t.dataDir);
    const group = await createGroup(t.api, ada, [bob]);
    const blob = randomBytes(5000);
    const asset = AssetSchema.parse((await upload(ada, blob, `?conversation=${group.qualifiedId.id}`)).body);
    expect((await t.api.get(`/assets/${asset.key}`, { token: bob.token })).raw.equals(blob)).toBe(true);
    const stranger = await t.api.get(`/assets/${asset.key}`, { token: eve.token });
    expect(stranger.status).toBe(404);
    expect(stranger.body).toMatchObject({ code: 'asset-not-found' });
    expect((await t.api.post(`/assets/${asset.key}/share`, { token: eve.token, body: { conversation: group.qualifiedId.id } })).status).toBe(404);
    expect((await t.api.get(`/assets/${asset.key}`)).status).toBe(401);
    // Leaving the conversation ends access.
    await t.api.delete(`/conversations/${group.qualifiedId.id}/members/cairn.test/${bob.id}`, { token: bob.token });
    expect((await t.api.get(`/assets/${asset.key}`, { token: bob.token })).status).toBe(404);
  });

  it('shares an uploaded asset into a conversation later', async () => {
    const ada = await userWithClient(t.api, t.dataDir);
    const bob = await userWithClient(t.api, t.dataDir);
    const asset = AssetSchema.parse((await upload(ada, randomBytes(10))).body);
    expect((await t.api.get(`/assets/${asset.key}`, { token: bob.token })).status).toBe(404);
    const group = await createGroup(t.api, ada, [bob]);
    expect((await t.api.post(`/assets/${asset.key}/share`, { token: ada.token, body: { conversation: group.qualifiedId.id } })).status).toBe(200);
    expect((await t.api.get(`/assets/${asset.key}`, { token: bob.token })).status).toBe(200);
  });

  it('serves public assets such as profile pictures to every signed-in user', async () => {
    const ada = await userWithClient(t.api, t.dataDir);
    const bob = await userWithClient(t.api, t.dataDir);
    const picture = AssetSchema.parse((await upload(ada, randomBytes(2000), '?public=true&retention=eternal')).body);
    const profile = await t.api.put('/self', { token: ada.token, body: { picture: picture.key } });
    expect(profile.body).toMatchObject({ picture: picture.key });
    expect((await t.api.get(`/assets/${picture.key}`, { token: bob.token })).status).toBe(200);
    const secret = AssetSchema.parse((await upload(ada, randomBytes(10))).body);
    expect((await t.api.put('/self', { token: ada.token, body: { picture: secret.key } })).body).toMatchObject({ code: 'asset-not-found' });
  });

  it('refuses uploads over the size limit, whether declared or streamed', async () => {
    const ada = await userWithClient(t.api, t.dataDir);
    const tooBig = await upload(ada, randomBytes(MAX + 1));
    expect(tooBig.status).toBe(413);
    expect(tooBig.body).toMatchObject({ code: 'asset-too-large' });
    const streamed = await t.api.post('/assets', { token: ada.token, rawBody: randomBytes(MAX + 1), contentType: 'application/octet-stream', chunked: true });
    expect(streamed.status).toBe(413);
    expect(streamed.body).toMatchObject({ code: 'asset-too-large' });
    const chunkedOk = await t.api.post('/assets', { token: ada.token, rawBody: randomBytes(MAX - 1), contentType: 'application/octet-stream', chunked: true });
    expect(AssetSchema.parse(chunkedOk.body).size).toBe(MAX - 1);
    expect((await upload(ada, randomBytes(MAX))).status).toBe(201);
  });

  it('deletes an asset for its uploader or the holder of its token', async () => {
    const ada = await userWithClient(t.api, t.dataDir);
    const bob = await userWithClient(t.api, t.dataDir);
    const first = AssetSchema.parse((await upload(ada, randomBytes(10))).body);
    expect((await t.api.delete(`/assets/${first.key}`, { token: bob.token })).status).toBe(404);
    expect((await t.api.delete(`/assets/${first.key}`, { token: bob.token, headers: { 'asset-token': first.token } })).status).toBe(200);
    expect((await t.api.get(`/assets/${first.key}`, { token: ada.token })).status).toBe(404);
  });

  it('expires volatile assets after 4 weeks', async () => {
    const ada = await userWithClient(t.api, t.dataDir);
    const asset = AssetSchema.parse((await upload(ada, randomBytes(10), '?retention=volatile')).body);
    expect(Date.parse(asset.expires ?? '')).toBeGreaterThan(t.clock.now() + 27 * 24 * 3600 * 1000);
    t.clock.advance(29 * 24 * 3600 * 1000);
    await t.server.maintenance();
    const later = await userWithClient(t.api, t.dataDir);
    expect((await t.api.get(`/assets/${asset.key}`, { token: later.token })).status).toBe(404);
  });
});

describe('call config', () => {
  let t: TestServer;
  const secret = 'turn-shared-secret';
  const sfuSecret = 'janus-token-secret';
  const SFU_PIN = `sha256/${'A'.repeat(43)}=`;
  beforeAll(async () => {
    t = await startTestServer({
      turn: { urls: ['turn:127.0.0.1:3478?transport=udp'], secret },
      sfu: { kind: 'remote', urls: ['https://127.0.0.1:8443/janus'], secret: sfuSecret, pins: [SFU_PIN] },
      callConfigTtlSeconds: 3600,
    });
  });
  afterAll(async () => t.stop());

  it('hands out coturn REST credentials valid for 24 hours, plus each SFU with a fresh token and its pins', async () => {
    const ada = await userWithClient(t.api, t.dataDir);
    const response = await t.api.get('/calls/config', { token: ada.token });
    const config = CallConfigSchema.parse(response.body);
    expect(config.ttl).toBe(3600);
    expect(config.sftServers).toHaveLength(1);
    const [sft] = config.sftServers;
    expect(sft?.url).toBe('https://127.0.0.1:8443/janus');
    expect(sft?.pins).toEqual([SFU_PIN]);
    expect((sft?.expires ?? 0) - t.clock.now() / 1000).toBeGreaterThan(24 * 3600 - 60);
    // Janus's token format: "<expiry>,janus,plugin1…:<base64 HMAC-SHA1(secret, signed part)>", no user in it.
    const [signed, signature] = (sft?.token ?? '').split(':');
    expect(signed?.startsWith(`${String(sft?.expires)},janus,`)).toBe(true);
    expect(signature).toBe(createHmac('sha1', sfuSecret).update(signed ?? '').digest('base64'));
    expect(sft?.token).not.toContain(ada.id);
    const [ice] = config.iceServers;
    expect(ice?.urls).toEqual(['turn:127.0.0.1:3478?transport=udp']);
    const [expiry, random] = (ice?.username ?? '').split(':');
    expect(Number(expiry) - t.clock.now() / 1000).toBeGreaterThan(24 * 3600 - 60);
    expect(Number(expiry) - t.clock.now() / 1000).toBeLessThanOrEqual(24 * 3600);
    expect(random).toMatch(/^[0-9a-f]{16}$/);
    expect(ice?.credential).toBe(createHmac('sha1', secret).update(ice?.username ?? '').digest('base64'));
    const again = CallConfigSchema.parse((await t.api.get('/calls/config', { token: ada.token })).body);
    expect(again.iceServers[0]?.username).not.toBe(ice?.username);
    expect((await t.api.get('/calls/config')).status).toBe(401);
  });

  it('lists no TURN servers when none are configured', async () => {
    const bare = await startTestServer();
    try {
      const user = await userWithClient(bare.api, bare.dataDir);
      expect(CallConfigSchema.parse((await bare.api.get('/calls/config', { token: user.token })).body)).toEqual({ ttl: 3600, iceServers: [], sftServers: [] });
    } finally {
      await bare.stop();
    }
  });
});
