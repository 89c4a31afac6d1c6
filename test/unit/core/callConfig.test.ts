import { describe, expect, it } from 'vitest';
import type { CallConfig } from '../../../protocol/api/calls';
import { CallConfigSchema } from '../../../protocol/api/calls';
import { CoreError } from '../../../electron/core/ipc/errors';
import { silentLogger } from '../../../electron/core/log';
import { CallConfigCache, iceConfigFor, staleAt } from '../../../electron/core/net/callConfig';

const PIN = `sha256/${'B'.repeat(43)}=`;
const NOW = 1_800_000_000_000;
const expiry = (ms: number): number => Math.floor(ms / 1000);

/** What our server answers: one coturn, UDP and TCP, a credential valid 24 h, ttl 1 h. */
function config(overrides: Partial<CallConfig> = {}, credentialExpiresAt = NOW + 24 * 3600 * 1000): CallConfig {
  return {
    ttl: 3600,
    iceServers: [
      {
        urls: ['turn:127.0.0.1:3478?transport=udp', 'turn:127.0.0.1:3478?transport=tcp'],
        username: `${expiry(credentialExpiresAt)}:0123456789abcdef`,
        credential: 'Umx6T7Z0NftxRttLKNKbPfNQtek=',
      },
    ],
    sftServers: [],
    ...overrides,
  };
}

describe('the server call configuration (GET /calls/config)', () => {
  it("parses our server's answer and the shape of Wire's example in seed 002", () => {
    expect(CallConfigSchema.parse(config())).toEqual(config());
    const wire = {
      ttl: 3600,
      iceServers: [
        { urls: ['turn:turn01.de.somedomain.com:3478?transport=udp'], credential: 'gvt5kHU7vQ5HK6JxihBIFY60fVm8FT', username: 'd=1618436350.v=1.k=0.t=s.r=olgeadtuaoxmtkhz' },
        { urls: ['turns:turn01.de.somedomain.com:5349?transport=tcp'], credential: 'QanQMQZvRZwQmojx3D', username: 'd=1618436350.v=1.k=0.t=s.r=ogmdrgxmirpaiyss' },
      ],
      sftServers: [],
    };
    expect(CallConfigSchema.safeParse(wire).success).toBe(true);
    // Wire's SFT entries are bare URLs; ours carry the Janus token and the pins the core checks.
    const sft = { url: 'https://sft01.example:443/janus', token: '1700086400,janus,janus.plugin.videoroom:c2lnbmF0dXJl', expires: 1_700_086_400, pins: [PIN] };
    expect(CallConfigSchema.safeParse({ ...wire, sftServers: [sft, { ...sft, url: 'http://127.0.0.1:8088/janus', pins: [] }] }).success).toBe(true);
  });

  it('refuses what RTCPeerConnection could not use or the core should not keep', () => {
    const server = config().iceServers[0];
    const bad: unknown[] = [
      { ...config(), iceServers: [{ ...server, urls: ['http://relay.example:3478'] }] },
      { ...config(), iceServers: [{ ...server, urls: [] }] },
      { ...config(), iceServers: [{ ...server, urls: ['turn:relay.example:3478?transport=sctp'] }] },
      { ...config(), iceServers: [{ ...server, credential: '' }] },
      { ...config(), iceServers: [{ urls: server?.urls }] },
      { ...config(), ttl: 0 },
      { ...config(), ttl: 7 * 24 * 3600 },
      { ...config(), ttl: '3600' },
      { ...config(), sftServers: [{ urls: ['https://sft.example'] }] },
      { ...config(), sftServers: [{ url: 'http://sft.example/janus', token: 't', expires: 1, pins: [] }] },
      { ...config(), sftServers: [{ url: 'https://sft.example/janus', token: 't', expires: 1, pins: [] }] },
      { ...config(), sftServers: [{ url: 'https://sft.example/janus', token: '', expires: 1, pins: [PIN] }] },
      { iceServers: [], sftServers: [] },
      'turn:relay.example:3478',
    ];
    for (const value of bad) expect(CallConfigSchema.safeParse(value).success, JSON.stringify(value)).toBe(false);
  });

  it('is fetched again after its ttl, or an hour before its credential expires if that is sooner', () => {
    expect(staleAt(config(), NOW)).toBe(NOW + 3600 * 1000);
    const soon = config({}, NOW + 90 * 60 * 1000);
    expect(staleAt(soon, NOW)).toBe(expiry(NOW + 90 * 60 * 1000) * 1000 - 3600 * 1000);
    // A username in another scheme (Wire's `d=…`) says nothing about its expiry: the ttl decides.
    const wireStyle = config({ iceServers: [{ urls: ['turn:relay.example:3478'], username: 'd=1.v=1.r=x', credential: 'c' }] });
    expect(staleAt(wireStyle, NOW)).toBe(NOW + 3600 * 1000);
  });
});

describe('calls.config for the renderer', () => {
  it('hands the TURN servers over as they are, relay-only when "Always relay calls" is on', () => {
    const { iceServers } = config();
    expect(iceConfigFor(config(), false)).toEqual({ iceServers, iceTransportPolicy: 'all' });
    expect(iceConfigFor(config(), true)).toEqual({ iceServers, iceTransportPolicy: 'relay' });
  });

  it('without TURN servers connects directly, and refuses "Always relay calls" with a plain reason', () => {
    expect(iceConfigFor(config({ iceServers: [] }), false)).toEqual({ iceServers: [], iceTransportPolicy: 'all' });
    const stunOnly = config({ iceServers: [{ urls: ['stun:stun.example:3478'], username: 'u', credential: 'c' }] });
    for (const without of [config({ iceServers: [] }), stunOnly]) {
      let thrown: unknown;
      try {
        iceConfigFor(without, true);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(CoreError);
      expect(thrown).toMatchObject({ code: 'calls-no-relay', message: expect.stringContaining('Always relay calls') });
    }
  });
});

describe('the kept call configuration', () => {
  function clockAt(start: number): { now: () => number; advance: (ms: number) => void } {
    let time = start;
    return { now: () => time, advance: (ms) => (time += ms) };
  }

  it('is kept until stale, shared by concurrent callers, and never given to another account', async () => {
    const clock = clockAt(NOW);
    const cache = new CallConfigCache(silentLogger, clock.now);
    let fetches = 0;
    const fetch = async (): Promise<CallConfig> => {
      fetches++;
      return config({}, clock.now() + 24 * 3600 * 1000);
    };
    const account = {};
    const [a, b] = await Promise.all([cache.current(account, fetch), cache.current(account, fetch)]);
    expect(fetches).toBe(1);
    expect(b).toBe(a);
    clock.advance(3599 * 1000);
    expect(await cache.current(account, fetch)).toBe(a);
    expect(fetches).toBe(1);
    clock.advance(1000);
    expect(await cache.current(account, fetch)).not.toBe(a);
    expect(fetches).toBe(2);
    await cache.current({}, fetch);
    expect(fetches).toBe(3);
  });

  it('keeps nothing from a failed fetch and asks again next time', async () => {
    const cache = new CallConfigCache(silentLogger, () => NOW);
    const account = {};
    await expect(cache.current(account, () => Promise.reject(new CoreError('network-unreachable')))).rejects.toMatchObject({ code: 'network-unreachable' });
    expect(await cache.current(account, async () => config())).toEqual(config());
  });
});
