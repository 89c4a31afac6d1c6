/**
 * Interop with Wire's Rust Proteus (the implementation inside @wireapp/core-crypto 10.3.0, used
 * by Wire's current clients), loaded as WASM for tests only. Together with wireInterop.test.ts
 * this checks our implementation against both of Wire's.
 */
import type { CoreCrypto } from '@wireapp/core-crypto/browser';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CoreCryptoModule } from '../../fixtures/mls/coreCryptoWasm';
import { loadCoreCrypto } from '../../fixtures/mls/coreCryptoWasm';
import type { ProteusApi } from '../../../electron/core/crypto/proteus/proteusApi';
import { loadProteus } from '../../../electron/core/crypto/proteus/proteusApi';
import { decodePrekeyBundle, encodePrekeyBundle } from '../../../electron/core/crypto/proteus/prekeyBundle';
import { TestDevice, read, text, value } from '../../unit/proteus/proteusTestClient';

let proteus: ProteusApi;
let cc: CoreCryptoModule;

beforeAll(async () => {
  proteus = await loadProteus();
  cc = await loadCoreCrypto();
});

async function rustClient(): Promise<CoreCrypto> {
  const core = cc.CoreCrypto.new(await cc.Database.inMemory());
  await core.transaction((ctx) => ctx.proteusInit());
  return core;
}

const ok = (s: string) => ({ ok: true, value: s });

describe('Proteus interop with Wire’s Rust Proteus (core-crypto)', () => {
  it('our client starts a session from a Rust prekey bundle and both exchange messages in and out of order', async () => {
    const rust = await rustClient();
    const bundle = await rust.transaction((ctx) => ctx.proteusNewPrekey(7));
    expect(encodePrekeyBundle(decodePrekeyBundle(bundle))).toEqual(bundle);
    const cairn = new TestDevice(proteus);
    cairn.connect('rust', { id: 7, key: Buffer.from(bundle).toString('base64') });

    const first = cairn.send('rust', 'hello rust');
    const second = cairn.send('rust', 'second');
    const third = cairn.send('rust', 'third');
    const plain = await rust.transaction((ctx) => ctx.proteusSessionFromMessage('cairn', first));
    expect(read(plain)).toBe('hello rust');
    expect(read(await rust.transaction((ctx) => ctx.proteusDecrypt('cairn', third)))).toBe('third');
    expect(read(await rust.transaction((ctx) => ctx.proteusDecrypt('cairn', second)))).toBe('second');

    const replies: Uint8Array[] = [];
    for (const n of [1, 2, 3]) replies.push(await rust.transaction((ctx) => ctx.proteusEncrypt('cairn', text(`reply ${n}`))));
    expect(cairn.receive('rust', replies[2] ?? new Uint8Array())).toEqual(ok('reply 3'));
    expect(cairn.receive('rust', replies[0] ?? new Uint8Array())).toEqual(ok('reply 1'));
    expect(cairn.receive('rust', replies[1] ?? new Uint8Array())).toEqual(ok('reply 2'));
    for (let round = 0; round < 3; round++) {
      const ping = cairn.send('rust', `ping ${round}`);
      expect(read(await rust.transaction((ctx) => ctx.proteusDecrypt('cairn', ping)))).toBe(`ping ${round}`);
      const pong = await rust.transaction((ctx) => ctx.proteusEncrypt('cairn', text(`pong ${round}`)));
      expect(cairn.receive('rust', pong)).toEqual(ok(`pong ${round}`));
    }
    const rustFingerprint = await rust.transaction((ctx) => ctx.proteusFingerprint());
    expect(proteus.fingerprint(cairn.session('rust').remoteIdentity)).toBe(rustFingerprint);
  });

  it('a Rust client starts a session from our prekey bundle and both exchange messages in and out of order', async () => {
    const rust = await rustClient();
    const cairn = new TestDevice(proteus);
    const [published] = cairn.publish(42, 1);
    if (published === undefined) throw new Error('no prekey');
    await rust.transaction((ctx) => ctx.proteusSessionFromPrekey('cairn', new Uint8Array(Buffer.from(published.key, 'base64'))));

    const envelopes: Uint8Array[] = [];
    for (const s of ['one', 'two', 'three']) envelopes.push(await rust.transaction((ctx) => ctx.proteusEncrypt('cairn', text(s))));
    expect(cairn.receive('rust', envelopes[2] ?? new Uint8Array())).toEqual(ok('three'));
    expect(cairn.consumed).toEqual([42]);
    expect(cairn.receive('rust', envelopes[0] ?? new Uint8Array())).toEqual(ok('one'));
    expect(cairn.receive('rust', envelopes[1] ?? new Uint8Array())).toEqual(ok('two'));

    const back = [cairn.send('rust', 'back 1'), cairn.send('rust', 'back 2')];
    expect(read(await rust.transaction((ctx) => ctx.proteusDecrypt('cairn', back[1] ?? new Uint8Array())))).toBe('back 2');
    expect(read(await rust.transaction((ctx) => ctx.proteusDecrypt('cairn', back[0] ?? new Uint8Array())))).toBe('back 1');
    expect(await rust.transaction((ctx) => ctx.proteusFingerprintRemote('cairn'))).toBe(
      proteus.fingerprint(cairn.identity.keyPair.publicKey),
    );
  });

  it('a Rust client can start sessions from our last-resort prekey more than once', async () => {
    const cairn = new TestDevice(proteus);
    const lastResort = cairn.publishOne(value(proteus.generateLastResortPrekey()));
    for (const name of ['first', 'second']) {
      const rust = await rustClient();
      await rust.transaction((ctx) => ctx.proteusSessionFromPrekey('cairn', new Uint8Array(Buffer.from(lastResort.key, 'base64'))));
      const envelope = await rust.transaction((ctx) => ctx.proteusEncrypt('cairn', text(`from ${name}`)));
      expect(cairn.receive(name, envelope)).toEqual(ok(`from ${name}`));
    }
    expect(cairn.consumed).toEqual([]);
  });

  it('refuses a stale replayed last-resort prekey message that Rust Proteus would accept and break on', async () => {
    // Rust as Bob, for contrast: the replay decrypts a second time and the session breaks.
    const rustBob = await rustClient();
    const alice = new TestDevice(proteus);
    const rustLastResort = await rustBob.transaction((ctx) => ctx.proteusLastResortPrekey());
    alice.connect('rust', { id: 65535, key: Buffer.from(rustLastResort).toString('base64') });
    const toRust = alice.send('rust', 'first');
    await rustBob.transaction((ctx) => ctx.proteusSessionFromMessage('alice', toRust));

    // Cairn as Bob, with Rust as Alice.
    const rustAlice = await rustClient();
    const bob = new TestDevice(proteus);
    const lastResort = bob.publishOne(value(proteus.generateLastResortPrekey()));
    await rustAlice.transaction((ctx) => ctx.proteusSessionFromPrekey('bob', new Uint8Array(Buffer.from(lastResort.key, 'base64'))));
    const toUs = await rustAlice.transaction((ctx) => ctx.proteusEncrypt('bob', text('first')));
    expect(bob.receive('rust', toUs)).toEqual(ok('first'));

    for (let turn = 0; turn < 7; turn++) {
      expect(alice.receive('rust', await rustBob.transaction((ctx) => ctx.proteusEncrypt('alice', text(`b${turn}`))))).toEqual(ok(`b${turn}`));
      await rustBob.transaction((ctx) => ctx.proteusDecrypt('alice', alice.send('rust', `a${turn}`)));
      const fromUs = bob.send('rust', `b${turn}`);
      expect(read(await rustAlice.transaction((ctx) => ctx.proteusDecrypt('bob', fromUs)))).toBe(`b${turn}`);
      expect(bob.receive('rust', await rustAlice.transaction((ctx) => ctx.proteusEncrypt('bob', text(`a${turn}`))))).toEqual(ok(`a${turn}`));
    }
    expect(read(await rustBob.transaction((ctx) => ctx.proteusDecrypt('alice', toRust)))).toBe('first');
    const after = alice.send('rust', 'after');
    await expect(rustBob.transaction((ctx) => ctx.proteusDecrypt('alice', after))).rejects.toThrow();

    expect(bob.receive('rust', toUs)).toEqual({ ok: false, error: expect.objectContaining({ code: 'proteus-invalid-signature' }) });
    expect(bob.receive('rust', await rustAlice.transaction((ctx) => ctx.proteusEncrypt('bob', text('after'))))).toEqual(ok('after'));
  });
});
