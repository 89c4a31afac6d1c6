import { beforeAll, describe, expect, it } from 'vitest';
import { NewClientRequestSchema, PrekeySchema, UploadPrekeysRequestSchema } from '../../../protocol/api/clients';
import { decodePrekeyBundle, encodePrekeyBundle } from '../../../electron/core/crypto/proteus/prekeyBundle';
import { planPrekeyRefill } from '../../../electron/core/crypto/proteus/prekeys';
import { sign } from '../../../electron/core/crypto/proteus/primitives';
import type { ProteusApi } from '../../../electron/core/crypto/proteus/proteusApi';
import { loadProteus } from '../../../electron/core/crypto/proteus/proteusApi';
import { TestDevice, errorCode, value } from './proteusTestClient';

let proteus: ProteusApi;
beforeAll(async () => {
  proteus = await loadProteus();
});

describe('Proteus prekeys', () => {
  it('numbers one-time prekeys from the start id and wraps below the last-resort id 65535', () => {
    expect(value(proteus.generatePrekeys(7, 3)).map((p) => p.id)).toEqual([7, 8, 9]);
    expect(value(proteus.generatePrekeys(65533, 4)).map((p) => p.id)).toEqual([65533, 65534, 0, 1]);
    expect(value(proteus.generateLastResortPrekey()).id).toBe(65535);
    expect(errorCode(proteus.generatePrekeys(65535, 1))).toBe('proteus-invalid-argument');
    expect(errorCode(proteus.generatePrekeys(-1, 1))).toBe('proteus-invalid-argument');
  });

  it('plans uploads that keep 100 unused prekeys on the server', () => {
    expect(planPrekeyRefill(0, 0)).toEqual({ count: 100, startId: 0, nextStartId: 100 });
    expect(planPrekeyRefill(63, 100)).toEqual({ count: 37, startId: 100, nextStartId: 137 });
    expect(planPrekeyRefill(100, 137)).toEqual({ count: 0, startId: 137, nextStartId: 137 });
    expect(planPrekeyRefill(250, 5)).toEqual({ count: 0, startId: 5, nextStartId: 5 });
    expect(planPrekeyRefill(0, 65500)).toEqual({ count: 100, startId: 65500, nextStartId: 65 });
  });

  it('builds exactly the prekeys the server accepts when a client registers and refills', () => {
    const identity = value(proteus.generateIdentity());
    const plan = planPrekeyRefill(0, 0);
    const prekeys = value(proteus.generatePrekeys(plan.startId, plan.count));
    const registration = value(proteus.clientRegistrationPrekeys(identity, prekeys, value(proteus.generateLastResortPrekey())));
    const request = NewClientRequestSchema.parse({ password: 'secret', type: 'permanent', ...registration });
    expect(request.lastPrekey.id).toBe(65535);
    expect(request.prekeys.map((p) => p.id)).toEqual(prekeys.map((p) => p.id));
    expect(UploadPrekeysRequestSchema.safeParse({ prekeys: registration.prekeys.slice(0, 10) }).success).toBe(true);
    const [first] = registration.prekeys;
    expect(PrekeySchema.safeParse(first).success).toBe(true);
  });

  it('refuses to register a one-time prekey as the last resort', () => {
    const identity = value(proteus.generateIdentity());
    const [one, two] = value(proteus.generatePrekeys(0, 2));
    if (one === undefined || two === undefined) throw new Error('no prekeys');
    expect(errorCode(proteus.clientRegistrationPrekeys(identity, [one], two))).toBe('proteus-invalid-argument');
  });

  it('publishes bundles as Wire clients do: prekey and identity public keys, no signature', () => {
    const device = new TestDevice(proteus);
    const [published] = device.publish(4, 1);
    if (published === undefined) throw new Error('no prekey');
    const bytes = new Uint8Array(Buffer.from(published.key, 'base64'));
    const bundle = decodePrekeyBundle(bytes);
    expect(bundle.prekeyId).toBe(4);
    expect(bundle.identityPublicKey).toEqual(device.identity.keyPair.publicKey);
    expect(bundle.prekeyPublicKey).toEqual(device.prekeys.get(4)?.keyPair.publicKey);
    expect(bundle.signature).toBeNull();
    expect(bytes.at(-1)).toBe(0xf6); // CBOR null, as proteus.js and core-crypto write it
  });

  it('accepts bundles signed in either of Wire’s encodings and refuses a signature that does not verify', () => {
    const alice = new TestDevice(proteus);
    const bob = new TestDevice(proteus);
    const published = bob.publish(4, 2);
    for (const [index, encoding] of (['bytes', 'map'] as const).entries()) {
      const server = published[index];
      if (server === undefined) throw new Error('no prekey');
      const bundle = decodePrekeyBundle(new Uint8Array(Buffer.from(server.key, 'base64')));
      const good = sign(bundle.prekeyPublicKey, bob.identity.keyPair.secretKey);
      const bad = good.slice();
      bad[0] = (bad[0] ?? 0) ^ 1;
      const claimed = (bytes: Uint8Array) => ({
        id: server.id,
        key: Buffer.from(encodePrekeyBundle({ ...bundle, signature: { bytes, encoding } })).toString('base64'),
      });
      expect(errorCode(proteus.sessionFromClaimedPrekey(alice.identity, claimed(bad)))).toBe('proteus-invalid-signature');
      alice.connect(`bob-${encoding}`, claimed(good));
      expect(bob.receive(`alice-${encoding}`, alice.send(`bob-${encoding}`, encoding))).toEqual({ ok: true, value: encoding });
    }
  });

  it('refuses a bundle whose id differs from the announced one, or that is not base64 CBOR', () => {
    const alice = new TestDevice(proteus);
    const [published] = new TestDevice(proteus).publish(4, 1);
    if (published === undefined) throw new Error('no prekey');
    expect(errorCode(proteus.sessionFromClaimedPrekey(alice.identity, { id: 5, key: published.key }))).toBe(
      'proteus-invalid-prekey-bundle',
    );
    expect(errorCode(proteus.sessionFromClaimedPrekey(alice.identity, { id: 4, key: 'not base64!' }))).toBe(
      'proteus-invalid-prekey-bundle',
    );
    expect(errorCode(proteus.sessionFromClaimedPrekey(alice.identity, { id: 4, key: 'AAAA' }))).toBe(
      'proteus-invalid-prekey-bundle',
    );
  });

  it('consumes a one-time prekey once but keeps the last-resort prekey for every new session', () => {
    const bob = new TestDevice(proteus);
    const [oneTime] = bob.publish(20, 1);
    const lastResort = bob.publishOne(value(proteus.generateLastResortPrekey()));
    if (oneTime === undefined) throw new Error('no prekey');

    const first = new TestDevice(proteus);
    first.connect('bob', oneTime);
    expect(bob.receive('first', first.send('bob', 'one-time')).ok).toBe(true);
    expect(bob.consumed).toEqual([20]);
    const second = new TestDevice(proteus);
    second.connect('bob', oneTime);
    expect(errorCode(bob.receive('second', second.send('bob', 'reused one-time')))).toBe('proteus-unknown-prekey');

    for (const name of ['third', 'fourth', 'fifth']) {
      const device = new TestDevice(proteus);
      device.connect('bob', lastResort);
      expect(bob.receive(name, device.send('bob', name))).toEqual({ ok: true, value: name });
    }
    expect(bob.consumed).toEqual([20]);
    expect(bob.prekeys.has(65535)).toBe(true);
  });

  it('stores prekeys and identities as bytes and reads them back', () => {
    const identity = value(proteus.generateIdentity());
    expect(value(proteus.decodeIdentity(value(proteus.encodeIdentity(identity))))).toEqual(identity);
    const prekey = value(proteus.generateLastResortPrekey());
    expect(value(proteus.decodePrekey(value(proteus.encodePrekey(prekey))))).toEqual(prekey);
  });
});

describe('Proteus fingerprints', () => {
  it('shows the hex of the Ed25519 identity public key, the same on both ends of a session', () => {
    const alice = new TestDevice(proteus);
    const bob = new TestDevice(proteus);
    const [claimed] = bob.publish(0, 1);
    if (claimed === undefined) throw new Error('no prekey');
    alice.connect('bob', claimed);
    bob.receive('alice', alice.send('bob', 'hi'));

    const bobsOwn = proteus.fingerprint(bob.identity.keyPair.publicKey);
    expect(bobsOwn).toMatch(/^[0-9a-f]{64}$/);
    expect(bobsOwn).toBe(Buffer.from(bob.identity.keyPair.publicKey).toString('hex'));
    expect(proteus.fingerprint(alice.session('bob').remoteIdentity)).toBe(bobsOwn);
    expect(proteus.fingerprint(bob.session('alice').remoteIdentity)).toBe(proteus.fingerprint(alice.identity.keyPair.publicKey));
    expect(bobsOwn).not.toBe(proteus.fingerprint(alice.identity.keyPair.publicKey));
  });
});
