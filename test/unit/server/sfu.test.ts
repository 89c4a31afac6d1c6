import { describe, expect, it } from 'vitest';
import { pickIceInterface } from '../../../server/calls/iceInterface';
import { jcfgString, renderJanusConfig } from '../../../server/calls/janusConfig';
import { sfuSetupFromArgs } from '../../../server/calls/sfuArgs';
import { signSfuToken } from '../../../server/calls/sfuToken';
import { startSfus } from '../../../server/calls/sfus';

const address = (ip: string, internal: boolean) => ({ address: ip, netmask: '255.255.255.255', family: 'IPv4' as const, mac: '00:00:00:00:00:00', internal, cidr: `${ip}/32` });

describe('SFU tokens', () => {
  it('signs the Janus token format with HMAC-SHA1 of the text before the colon', () => {
    // Vector: printf '1700086400,janus,janus.plugin.videoroom' | openssl dgst -sha1 -hmac test-secret -binary | base64
    expect(signSfuToken('test-secret', 1_700_000_000_000)).toEqual({
      token: '1700086400,janus,janus.plugin.videoroom:4DQhs5lOsBR9F2a8/b6gSxvPZmQ=',
      expires: 1_700_086_400,
    });
  });

  it('gives every listed SFU a fresh token and its pins', async () => {
    const started = await startSfus({ kind: 'remote', urls: ['https://sfu1.example/janus/', 'https://sfu2.example/janus'], secret: 's', pins: ['sha256/x'] }, '/nonexistent', () => Promise.reject(new Error('no local secrets needed')));
    if (!started.ok) throw new Error(started.error.message);
    const listed = started.value.sfus.sftServers(1_700_000_000_000);
    expect(listed.map((sfu) => sfu.url)).toEqual(['https://sfu1.example/janus', 'https://sfu2.example/janus']);
    expect(listed.every((sfu) => sfu.token === signSfuToken('s', 1_700_000_000_000).token && sfu.pins[0] === 'sha256/x')).toBe(true);
    expect(started.value.sfus.summary).toContain('https://sfu2.example/janus');
  });

  it('carries on without an SFU when Janus is not installed and none was required', async () => {
    const started = await startSfus({ kind: 'local', required: false, binary: '/nonexistent/janus' }, '/nonexistent', () => Promise.reject(new Error('unused')));
    expect(started.ok && started.value.sfus.sftServers(0)).toEqual([]);
    expect(started.ok && started.value.sfus.summary).toContain('Janus is not installed');
  });
});

describe('the interface a local Janus gathers on', () => {
  it('skips loopback interfaces and takes a bridge carrying 127.0.0.2', () => {
    expect(pickIceInterface({ lo: [address('127.0.0.1', true)], cairn0: [address('127.0.0.2', false)] })).toEqual({ ok: true, value: 'cairn0' });
  });

  it('fails with a plain sentence when only loopback exists', () => {
    const picked = pickIceInterface({ lo: [address('127.0.0.1', true)] });
    expect(picked).toMatchObject({ ok: false, error: { code: 'sfu-no-interface' } });
    expect(picked.ok ? '' : picked.error.message).toMatch(/ignores loopback interfaces/);
  });

  it('refuses a named interface that is loopback', () => {
    expect(pickIceInterface({ lo: [address('127.0.0.1', true)], eth0: [address('10.0.0.2', false)] }, 'lo')).toMatchObject({ ok: false, error: { code: 'sfu-interface-missing' } });
  });
});

describe('the generated Janus config', () => {
  const files = renderJanusConfig({ configDir: '/data/ja"nus', httpPort: 8123, iceInterface: 'cairn0', rtpPortRange: '20000-20100', tokenSecret: 'tok' });

  it('turns on signed tokens, the admin key, loopback HTTP and no admin API', () => {
    expect(files['janus.jcfg']).toMatch(/token_auth = true\n\ttoken_auth_secret = "tok"/);
    expect(files['janus.jcfg']).toContain('ice_enforce_list = "cairn0"');
    expect(files['janus.jcfg']).toContain('configs_folder = "/data/ja\\"nus"');
    // No admin key: rooms are created with a token and guarded by their derived pin and secret (issue 14).
    expect(files['janus.plugin.videoroom.jcfg']).not.toMatch(/^\s*admin_key/m);
    expect(files['janus.transport.http.jcfg']).toMatch(/port = 8123\n\tip = "127.0.0.1"/);
    expect(files['janus.transport.http.jcfg']).toMatch(/admin_http = false/);
  });

  it('disables every Debian plugin but VideoRoom and every transport but HTTP', () => {
    expect(files['janus.jcfg']).toMatch(/disable = ".*libjanus_streaming\.so.*"/);
    expect(files['janus.jcfg']).not.toMatch(/disable = ".*libjanus_videoroom\.so/);
    expect(files['janus.jcfg']).toMatch(/disable = ".*libjanus_websockets\.so.*"/);
    expect(files['janus.jcfg']).not.toMatch(/disable = ".*libjanus_http\.so/);
  });

  it('refuses a value with a line break instead of writing a second setting', () => {
    expect(() => jcfgString('a"\nadmin_key = "x')).toThrow();
  });
});

describe('npm run server SFU flags', () => {
  it('starts a local Janus when installed unless told otherwise', () => {
    expect(sfuSetupFromArgs({})).toEqual({ ok: true, value: { kind: 'local', required: false } });
    expect(sfuSetupFromArgs({ 'local-sft': 'on', 'sft-interface': 'eth1' })).toEqual({ ok: true, value: { kind: 'local', required: true, iceInterface: 'eth1' } });
    expect(sfuSetupFromArgs({ 'local-sft': 'off' })).toEqual({ ok: true, value: { kind: 'none' } });
  });

  it('uses --sft-url instances only with their secret', () => {
    expect(sfuSetupFromArgs({ 'sft-url': ['https://sfu.example/janus'] })).toMatchObject({ ok: false });
    expect(sfuSetupFromArgs({ 'sft-url': ['https://sfu.example/janus'], 'sft-secret': 's' })).toMatchObject({ ok: true, value: { kind: 'remote', urls: ['https://sfu.example/janus'], secret: 's' } });
  });
});
