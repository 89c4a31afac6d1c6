import { describe, expect, it } from 'vitest';
import { readBuiltInServer, serverSettings, withMachinePolicyServer } from '../../../electron/main/builtInServer';

const A = `sha256/${'A'.repeat(43)}=`;
const B = `sha256/${'B'.repeat(43)}=`;
const ENV = { CAIRN_SERVER_URL: 'https://elsewhere.example', CAIRN_SERVER_PINS: B };

describe('a server built into the app (resources/server.json)', () => {
  it('is absent without the file, and the environment pre-fills the welcome screen', () => {
    expect(serverSettings(readBuiltInServer(null), ENV)).toEqual({
      ok: true,
      defaultServer: { url: 'https://elsewhere.example', pins: [B] },
      builtInServer: null,
    });
  });

  it('fixes the server and its pins, whatever the environment says', () => {
    const read = readBuiltInServer(JSON.stringify({ url: 'https://chat.example.org', pins: [A, B] }));
    expect(read).toEqual({ kind: 'fixed', server: { url: 'https://chat.example.org', pins: [A, B] } });
    expect(serverSettings(read, ENV)).toEqual({
      ok: true,
      defaultServer: { url: 'https://chat.example.org', pins: [A, B] },
      builtInServer: { url: 'https://chat.example.org', pins: [A, B] },
    });
  });

  it('takes the pins as one string too, as CAIRN_SERVER_PINS does', () => {
    expect(readBuiltInServer(JSON.stringify({ url: 'https://chat.example.org', pins: `${A}, ${B}` }))).toMatchObject({ server: { pins: [A, B] } });
  });

  it('stops the start when the file is there but wrong, instead of allowing any server', () => {
    for (const text of [
      '{',
      JSON.stringify({ url: 'http://chat.example.org', pins: [A] }),
      JSON.stringify({ url: 'https://chat.example.org', pins: [] }),
      JSON.stringify({ url: 'https://chat.example.org', pins: [A, 'sha256/short='] }),
      JSON.stringify({ url: 'https://chat.example.org', pins: [A], extra: true }),
    ]) {
      const settings = serverSettings(readBuiltInServer(text), ENV);
      expect(settings.ok, text).toBe(false);
    }
    expect(readBuiltInServer(JSON.stringify({ url: 'https://chat.example.org', pins: [A, 'sha256/short='] }))).toEqual({
      kind: 'invalid',
      reason: '"sha256/short=" in server.json is not a pin.',
    });
  });
});

describe('a server fixed by machine policy', () => {
  const policy = { server: { url: 'https://chat.example.org', pins: [A] } };

  it('fixes the server of a standard build over the environment’s pre-fill', () => {
    expect(withMachinePolicyServer(serverSettings(readBuiltInServer(null), ENV), policy)).toEqual({
      ok: true,
      defaultServer: { url: 'https://chat.example.org', pins: [A] },
      builtInServer: { url: 'https://chat.example.org', pins: [A] },
    });
  });

  it('agrees with a build made for the same server', () => {
    const built = serverSettings(readBuiltInServer(JSON.stringify({ url: 'https://chat.example.org', pins: [A] })), {});
    expect(withMachinePolicyServer(built, policy)).toEqual(built);
  });

  it('stops the start when the build and the policy name different servers', () => {
    const built = serverSettings(readBuiltInServer(JSON.stringify({ url: 'https://other.example.org', pins: [B] })), {});
    const settings = withMachinePolicyServer(built, policy);
    expect(settings.ok ? '' : settings.reason).toContain("this computer's policy names https://chat.example.org");
  });

  it('changes nothing without a policy server', () => {
    const plain = serverSettings(readBuiltInServer(null), ENV);
    expect(withMachinePolicyServer(plain, {})).toBe(plain);
  });
});
