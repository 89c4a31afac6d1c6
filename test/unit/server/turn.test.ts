import { describe, expect, it } from 'vitest';
import { coturnConfig, findTurnserver } from '../../../server/turn/coturn';
import { TURN_CREDENTIAL_SECONDS, turnCredential, turnPassword } from '../../../server/turn/credentials';
import type { TurnFlags } from '../../../server/turn/turnChoice';
import { chooseTurn, isLoopback } from '../../../server/turn/turnChoice';

describe('TURN credentials (coturn use-auth-secret)', () => {
  it('computes the password coturn expects: base64 HMAC-SHA1 of the username under the shared secret', () => {
    // Expected value from `openssl dgst -sha1 -hmac north-wind -binary | base64`, an independent implementation.
    expect(turnPassword('north-wind', '1700086400:0123456789abcdef')).toBe('Umx6T7Z0NftxRttLKNKbPfNQtek=');
  });

  it('names an expiry 24 hours ahead and a fresh random label, never who asked', () => {
    const now = 1_700_000_000_123;
    const a = turnCredential('s3cret', now);
    const b = turnCredential('s3cret', now);
    const [expiry, label] = a.username.split(':');
    expect(Number(expiry)).toBe(1_700_000_000 + 24 * 3600);
    expect(TURN_CREDENTIAL_SECONDS).toBe(86_400);
    expect(label).toMatch(/^[0-9a-f]{16}$/);
    expect(b.username).not.toBe(a.username);
    expect(a.credential).toBe(turnPassword('s3cret', a.username));
    expect(a.credential).not.toBe(turnPassword('other secret', a.username));
  });
});

describe('which TURN npm run server uses', () => {
  const base: TurnFlags = { urls: [], secret: undefined, noTurn: false, host: '127.0.0.1', turnserver: '/usr/bin/turnserver' };

  it('starts coturn beside a loopback server when turnserver is installed', () => {
    expect(chooseTurn(base)).toEqual({ kind: 'bundled', binary: '/usr/bin/turnserver' });
  });

  it('uses an existing coturn named by --turn-url with its secret', () => {
    const urls = ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:5349?transport=tcp'];
    expect(chooseTurn({ ...base, urls, secret: 'shared' })).toEqual({ kind: 'external', urls, secret: 'shared' });
  });

  it('says why calls get no TURN: turned off, not installed, or a server not on loopback', () => {
    expect(chooseTurn({ ...base, noTurn: true })).toMatchObject({ kind: 'none', reason: expect.stringContaining('--no-turn') });
    expect(chooseTurn({ ...base, turnserver: undefined })).toMatchObject({ kind: 'none', reason: expect.stringContaining('not installed') });
    expect(chooseTurn({ ...base, host: '0.0.0.0' })).toMatchObject({ kind: 'none', reason: expect.stringContaining('loopback') });
  });

  it('refuses flags that cannot work together, with the flag to fix', () => {
    expect(chooseTurn({ ...base, urls: ['turn:relay.example:3478'] })).toMatchObject({ kind: 'invalid', message: expect.stringContaining('--turn-secret') });
    expect(chooseTurn({ ...base, secret: 'shared' })).toMatchObject({ kind: 'invalid', message: expect.stringContaining('--turn-url') });
    expect(chooseTurn({ ...base, urls: ['http://relay.example:3478'], secret: 'shared' })).toMatchObject({ kind: 'invalid', message: expect.stringContaining('http://relay') });
    expect(chooseTurn({ ...base, urls: ['turn:relay.example:3478'], secret: 'shared', noTurn: true })).toMatchObject({ kind: 'invalid' });
  });

  it('counts 127.0.0.0/8, ::1 and localhost as loopback, nothing else', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '10.0.0.1', '::', 'cairn.example.org', '127.0.0.1.example.org'].some(isLoopback)).toBe(false);
  });
});

describe('coturn configuration', () => {
  const config = coturnConfig('/data/turn', { port: 3478, minPort: 50000, maxPort: 50199, secret: 'abc', realm: 'cairn.test' });
  const lines = config.split('\n');

  it('listens and relays on loopback only, with the shared secret and no TLS or admin console', () => {
    expect(lines).toEqual(expect.arrayContaining(['listening-ip=127.0.0.1', 'relay-ip=127.0.0.1', 'listening-port=3478', 'use-auth-secret', 'static-auth-secret=abc', 'realm=cairn.test', 'no-cli', 'no-multicast-peers', 'min-port=50000', 'max-port=50199']));
    expect(lines.filter((line) => line.startsWith('listening-ip=') || line.startsWith('relay-ip='))).toHaveLength(2);
    expect(lines).not.toContain('lt-cred-mech');
  });

  it('finds turnserver on PATH, and nothing on a PATH without it', () => {
    expect(findTurnserver('/nonexistent-a:/nonexistent-b')).toBeUndefined();
    expect(findTurnserver('')).toBeUndefined();
  });
});
