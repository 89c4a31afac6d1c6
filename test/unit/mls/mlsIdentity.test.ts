import { describe, expect, it } from 'vitest';
import { formatMlsIdentity, parseMlsIdentity } from '../../../electron/core/crypto/mls/mlsIdentity';

const device = { userId: '0f8b7c6a-1234-4abc-8def-0123456789ab', clientId: '1a2b3c4d5e6f7081', domain: 'example.org' };

describe('MLS identities', () => {
  it('uses the <user-uuid>:<client-id>@<domain> form that OpenMLS/core-crypto builds', () => {
    // core-crypto 10.3: new ClientId(new Uuid(u), new DeviceId(0x1a2b3c4d5e6f7081n), 'example.org').copyBytes()
    expect(formatMlsIdentity(device)).toBe('0f8b7c6a-1234-4abc-8def-0123456789ab:1a2b3c4d5e6f7081@example.org');
  });

  it('parses what it formats', () => {
    expect(parseMlsIdentity(formatMlsIdentity(device))).toEqual({ ok: true, value: device });
  });

  it('writes a client id without leading zeros, as core-crypto does, and reads it back padded', () => {
    // core-crypto 10.3: new DeviceId(0xa2bn) renders as "a2b"
    const short = { ...device, clientId: '0000000000000a2b' };
    expect(formatMlsIdentity(short)).toBe(`${device.userId}:a2b@example.org`);
    expect(parseMlsIdentity(formatMlsIdentity(short))).toEqual({ ok: true, value: short });
    expect(formatMlsIdentity({ ...device, clientId: '0000000000000000' })).toBe(`${device.userId}:0@example.org`);
  });

  it('refuses anything else', () => {
    for (const bad of ['alice', `${device.userId}:11a2b3c4d5e6f7081@example.org`, `${device.userId}:@example.org`, `${device.userId}:1A2B3C4D5E6F7081@example.org`, `${device.userId}:1a2b3c4d5e6f7081@`, `${device.userId}:1a2b3c4d5e6f7081@Example.org`]) {
      expect(parseMlsIdentity(bad)).toMatchObject({ ok: false, error: { code: 'mls-invalid-key-package' } });
    }
  });
});
