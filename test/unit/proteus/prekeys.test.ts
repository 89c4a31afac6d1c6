import { beforeAll, describe, expect, it } from 'vitest';
import { NewClientRequestSchema, PrekeySchema, UploadPrekeysRequestSchema } from '../../../protocol/api/clients';
import { decodePrekeyBundle, encodePrekeyBundle } from '../../../electron/core/crypto/proteus/prekeyBundle';
import { planPrekeyRefill } from '../../../electron/core/crypto/proteus/prekeys';
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

  it('publishes bundles signed by the identity key over the prekey public key', () => {
    const device = new TestDevice(proteus);
    const [published] = device.publish(4, 1);
    if (published === undefined) throw new Error('no prekey');
    const bundle = decodePrekeyBundle(new Uint8Array(Buffer.from(published.key, 'base64')));
    expect(bundle.prekeyId).toBe(4);
    expect(bundle.identityPublicKey).toEqual(device.identity.keyPair.publicKey);
    expect(bundle.prekeyPublicKey).toEqual(device.prekeys.get(4)?.keyPair.publicKey);
    expect(bundle.signature?.length).toBe(64);
  });

  it('refuses a bundle whose signature does not verify, or whose id differs from the announced one', () => {
    const alice = new TestDevice(proteus);
    const bob = new TestDevice(proteus);
    const [published] = bob.publish(4, 1);
    if (published === undefined) throw new Error('no prekey');
    const bundle = decodePrekeyBundle(new Uint8Array(Buffer.from(published.key, 'base64')));
    const badSignature = bundle.signature?.slice() ?? new Uint8Array(64);
    badSignature[0] = (badSignature[0] ?? 0) ^ 1;
    const forged = Buffer.from(encodePrekeyBundle({ ...bundle, signature: badSignature })).toString('base64');
    expect(errorCode(proteus.sessionFromClaimedPrekey(alice.identity, { id: 4, key: forged }))).toBe('proteus-invalid-signature');
    expect(errorCode(proteus.sessionFromClaimedPrekey(alice.identity, { id: 5, key: published.key }))).toBe(
      'proteus-invalid-prekey-bundle',
    );
    expect(errorCode(proteus.sessionFromClaimedPrekey(alice.identity, { id: 4, key: 'not base64!' }))).toBe(
      'proteus-invalid-prekey-bundle',
    );
  });

  it('accepts an unsigned bundle, as Wire clients publish them', () => {
    const alice = new TestDevice(proteus);
    const bob = new TestDevice(proteus);
    const [published] = bob.publish(4, 1);
    if (published === undefined) throw new Error('no prekey');
    const bundle = decodePrekeyBundle(new Uint8Array(Buffer.from(published.key, 'base64')));
    const unsigned = Buffer.from(encodePrekeyBundle({ ...bundle, signature: null })).toString('base64');
    alice.connect('bob', { id: 4, key: unsigned });
    expect(bob.receive('alice', alice.send('bob', 'hi'))).toEqual({ ok: true, value: 'hi' });
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
