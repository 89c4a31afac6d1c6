import { describe, expect, it } from 'vitest';
import type { CiphersuiteImpl } from 'ts-mls';
import { defaultCryptoProvider, getCiphersuiteFromName, getCiphersuiteImpl } from 'ts-mls';
import type { MlsSuiteId } from '../../../electron/core/crypto/mls/cipherSuites';
import { MLS_SUITES, loadSuite } from '../../../electron/core/crypto/mls/cipherSuites';
import { must } from '../../fixtures/mls/mlsTestDevices';

/*
 * Cairn's node:crypto provider against ts-mls' default provider (WebCrypto, @hpke/core, noble),
 * which Cairn used before issue 15, in every suite Cairn offers: what one seals the other opens,
 * what one signs the other verifies — so groups, key packages and signers made before the
 * switch keep working, and X-Wing (which has no RFC 9420 vectors) is checked against the HPKE
 * implementation its KEM package was written for.
 */

const SUITES: readonly number[] = Object.keys(MLS_SUITES).map(Number);
const text = (value: string) => new TextEncoder().encode(value);

async function pair(suite: number): Promise<{ ours: CiphersuiteImpl; theirs: CiphersuiteImpl }> {
  const loaded = must(await loadSuite(suite));
  const theirs = await getCiphersuiteImpl(getCiphersuiteFromName(MLS_SUITES[loaded.id].name), defaultCryptoProvider);
  return { ours: loaded.impl, theirs };
}

async function sealOpen(from: CiphersuiteImpl, to: CiphersuiteImpl): Promise<string> {
  const keys = await to.hpke.generateKeyPair();
  const publicKey = await from.hpke.importPublicKey(await to.hpke.exportPublicKey(keys.publicKey));
  const sealed = await from.hpke.seal(publicKey, text('to the other provider'), text('info'), text('aad'));
  return new TextDecoder().decode(await to.hpke.open(keys.privateKey, sealed.enc, sealed.ct, text('info'), text('aad')));
}

async function exportedSecretsAgree(from: CiphersuiteImpl, to: CiphersuiteImpl): Promise<boolean> {
  const keys = await to.hpke.deriveKeyPair(text('external secret of some epoch, 32+ bytes long'));
  const publicKey = await from.hpke.importPublicKey(await to.hpke.exportPublicKey(keys.publicKey));
  const sent = await from.hpke.exportSecret(publicKey, text('context'), 32, text('info'));
  const got = await to.hpke.importSecret(keys.privateKey, text('context'), sent.enc, 32, text('info'));
  return Buffer.from(got).equals(Buffer.from(sent.secret));
}

describe('node:crypto provider and ts-mls default provider', () => {
  it.each(SUITES)('seal and open across providers in suite %i', async (suite) => {
    const { ours, theirs } = await pair(suite);
    expect(await sealOpen(ours, theirs)).toBe('to the other provider');
    expect(await sealOpen(theirs, ours)).toBe('to the other provider');
  });

  it.each(SUITES)('derive the same key pairs and exporter secrets in suite %i', async (suite) => {
    const { ours, theirs } = await pair(suite);
    const ikm = text('the same input keying material, 32+ bytes');
    const [a, b] = [await ours.hpke.deriveKeyPair(ikm), await theirs.hpke.deriveKeyPair(ikm)];
    expect(await ours.hpke.exportPublicKey(a.publicKey)).toEqual(new Uint8Array(await theirs.hpke.exportPublicKey(b.publicKey)));
    expect(await exportedSecretsAgree(ours, theirs)).toBe(true);
    expect(await exportedSecretsAgree(theirs, ours)).toBe(true);
  });

  it.each(SUITES)('verify each other’s signatures, with keys stored by either, in suite %i', async (suite) => {
    const { ours, theirs } = await pair(suite);
    const message = text('signed content');
    const old = await theirs.signature.keygen();
    expect(await ours.signature.verify(old.publicKey, message, await theirs.signature.sign(old.signKey, message))).toBe(true);
    expect(await ours.signature.verify(old.publicKey, message, await ours.signature.sign(old.signKey, message))).toBe(true);
    const fresh = await ours.signature.keygen();
    expect(await theirs.signature.verify(fresh.publicKey, message, await ours.signature.sign(fresh.signKey, message))).toBe(true);
    expect(await ours.signature.verify(fresh.publicKey, text('other content'), await ours.signature.sign(fresh.signKey, message))).toBe(false);
  });

  it('refuses a key handle of another suite rather than misusing it', async () => {
    const [x25519, p256] = [must(await loadSuite(1 satisfies MlsSuiteId)).impl, must(await loadSuite(2 satisfies MlsSuiteId)).impl];
    const foreign = await p256.hpke.generateKeyPair();
    await expect(x25519.hpke.seal(foreign.publicKey, text('x'), text('info'))).rejects.toThrow(/not a public key of this suite/);
  });
});
