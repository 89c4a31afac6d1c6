import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { serverQuery } from '../../support/serverDatabase';
import { defaultCapabilities, defaultCryptoProvider, defaultLifetime, encodeMlsMessage, generateKeyPackage, getCiphersuiteFromName, getCiphersuiteImpl } from 'ts-mls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClaimKeyPackagesResponseSchema } from '../../../protocol';
import { fakeKeyPackage, identityOf } from './support/mls';
import type { TestServer } from './support/server';
import { startTestServer } from './support/server';
import type { TestClient } from './support/users';
import { addClient, userWithClient } from './support/users';

describe('MLS key packages', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => t.stop());

  const upload = (client: TestClient, keyPackages: string[]) =>
    t.api.post(`/mls/key-packages/self/${client.clientId}`, { token: client.clientToken, body: { keyPackages } });
  const count = async (client: TestClient, suite: number) =>
    (await t.api.get(`/mls/key-packages/self/${client.clientId}/count?ciphersuite=${suite}`, { token: client.clientToken })).body;
  const claim = async (claimer: TestClient, owner: TestClient, suite = 1) => {
    const response = await t.api.post(`/mls/key-packages/claim/cairn.test/${owner.id}?ciphersuite=${suite}`, { token: claimer.clientToken });
    expect(response.status, response.raw.toString()).toBe(200);
    return ClaimKeyPackagesResponseSchema.parse(response.body).keyPackages;
  };

  it('counts uploaded packages per cipher suite, bare or wrapped in an MLSMessage', async () => {
    const bob = await userWithClient(t.api, t.dataDir);
    expect((await upload(bob, [await fakeKeyPackage(bob, 1), await fakeKeyPackage(bob, 1, true), await fakeKeyPackage(bob, 2)])).status).toBe(201);
    expect(await count(bob, 1)).toEqual({ count: 2 });
    expect(await count(bob, 2)).toEqual({ count: 1 });
    expect(await count(bob, 7)).toEqual({ count: 0 });
  });

  it('refuses bytes that are not a key package, and uploads for another client', async () => {
    const bob = await userWithClient(t.api, t.dataDir);
    const eve = await userWithClient(t.api, t.dataDir);
    const junk = await upload(bob, [Buffer.from('hello world').toString('base64')]);
    expect(junk.status).toBe(400);
    expect(junk.body).toMatchObject({ code: 'mls-invalid-message' });
    const forged = await t.api.post(`/mls/key-packages/self/${bob.clientId}`, { token: eve.clientToken, body: { keyPackages: [await fakeKeyPackage(bob)] } });
    expect(forged.status).toBe(404);
    const userToken = await t.api.post(`/mls/key-packages/self/${bob.clientId}`, { token: bob.token, body: { keyPackages: [await fakeKeyPackage(bob)] } });
    expect(userToken.body).toMatchObject({ code: 'client-required' });
  });

  it('refuses a key package whose credential names another device, another user or no Cairn device, and one with a broken signature', async () => {
    const bob = await userWithClient(t.api, t.dataDir);
    const bob2 = await addClient(t.api, bob);
    const eve = await userWithClient(t.api, t.dataDir);
    // Eve uploads, for her own device, packages that would join groups as Bob's devices.
    for (const forged of [bob, bob2, { id: eve.id, clientId: bob.clientId }]) {
      const refused = await upload(eve, [await fakeKeyPackage(eve), await fakeKeyPackage(forged)]);
      expect(refused.status, refused.raw.toString()).toBe(409);
      expect(refused.body).toMatchObject({ code: 'mls-client-mismatch' });
    }
    const otherDomain = await upload(eve, [await fakeKeyPackage(identityOf(eve, 'elsewhere.test'))]);
    expect(otherDomain.body).toMatchObject({ code: 'mls-client-mismatch' });
    const notADevice = await upload(eve, [await fakeKeyPackage('eve@example.org')]);
    expect(notADevice.status).toBe(400);
    expect(notADevice.body).toMatchObject({ code: 'mls-invalid-message' });
    const tampered = Buffer.from(await fakeKeyPackage(eve), 'base64');
    tampered.writeUInt8(tampered.readUInt8(tampered.length - 1) ^ 0x01, tampered.length - 1);
    const badSignature = await upload(eve, [tampered.toString('base64')]);
    expect(badSignature.body).toMatchObject({ code: 'mls-invalid-message' });
    // Nothing of a refused upload is stored: no package of Eve's can be claimed as Bob's.
    expect(await count(eve, 1)).toEqual({ count: 0 });
    const ada = await userWithClient(t.api, t.dataDir);
    expect(await claim(ada, eve)).toEqual([]);
  });

  it("claims one package per client of the user, skipping the claimer's own client, each only once", async () => {
    const bob = await userWithClient(t.api, t.dataDir);
    const bob2 = await addClient(t.api, bob);
    const packages = [await fakeKeyPackage(bob), await fakeKeyPackage(bob)];
    await upload(bob, packages);
    await upload(bob2, [await fakeKeyPackage(bob2)]);
    const ada = await userWithClient(t.api, t.dataDir);
    const first = await claim(ada, bob);
    expect(first.map((entry) => entry.client).sort()).toEqual([bob.clientId, bob2.clientId].sort());
    expect(first.find((entry) => entry.client === bob.clientId)?.keyPackage).toBe(packages[0]);
    const second = await claim(ada, bob);
    expect(second).toEqual([expect.objectContaining({ client: bob.clientId, keyPackage: packages[1] })]);
    expect(await claim(ada, bob)).toEqual([]);
    const own = await claim(bob2, bob);
    expect(own.map((entry) => entry.client)).not.toContain(bob2.clientId);
  });

  it('never hands out the same package twice under 100 concurrent claims', async () => {
    const bob = await userWithClient(t.api, t.dataDir);
    const uploaded = await Promise.all(Array.from({ length: 60 }, () => fakeKeyPackage(bob)));
    await upload(bob, uploaded.slice(0, 30));
    await upload(bob, uploaded.slice(30));
    // Five claimers, as one may claim the same user's packages at most 20 times in 10 minutes.
    const claimers = await Promise.all(Array.from({ length: 5 }, () => userWithClient(t.api, t.dataDir)));
    const started = performance.now();
    const results = await Promise.all(claimers.flatMap((claimer) => Array.from({ length: 20 }, () => claim(claimer, bob))));
    const elapsedMs = performance.now() - started;
    const handedOut = results.flat().map((entry) => entry.keyPackage);
    expect(handedOut).toHaveLength(60);
    expect(new Set(handedOut).size).toBe(60);
    expect(new Set(handedOut)).toEqual(new Set(uploaded));
    expect(results.filter((entries) => entries.length === 0)).toHaveLength(40);
    expect(await count(bob, 1)).toEqual({ count: 0 });
    console.info(`100 concurrent key package claims: ${elapsedMs.toFixed(0)} ms`);
  });

  it("binds a device's MLS signature key at its first upload and refuses packages with another key", async () => {
    const bob = await userWithClient(t.api, t.dataDir);
    expect((await upload(bob, [await fakeKeyPackage(bob)])).status).toBe(201);
    // The same identity with a fresh key: what a member forging a package for Bob's device would make.
    const impl = await getCiphersuiteImpl(getCiphersuiteFromName('MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519'), defaultCryptoProvider);
    const forged = await generateKeyPackage({ credentialType: 'basic', identity: new TextEncoder().encode(identityOf(bob)) }, defaultCapabilities(), defaultLifetime, [], impl);
    const other = Buffer.from(encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: forged.publicPackage })).toString('base64');
    const refused = await upload(bob, [await fakeKeyPackage(bob), other]);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'mls-client-mismatch' });
    // Nothing of the refused batch was stored; another suite binds a key of its own.
    expect(await count(bob, 1)).toEqual({ count: 1 });
    expect((await upload(bob, [await fakeKeyPackage(bob, 2)])).status).toBe(201);
  });

  it('binds the keys of devices that uploaded before the binding existed from their stored packages, at the next start', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cairn-server-'));
    const own = await startTestServer({ dataDir });
    try {
      const bob = await userWithClient(own.api, own.dataDir);
      const put = (keyPackages: string[]) => own.api.post(`/mls/key-packages/self/${bob.clientId}`, { token: bob.clientToken, body: { keyPackages } });
      expect((await put([await fakeKeyPackage(bob)])).status).toBe(201);
      await own.stop();
      // As a database from before migration 0008 would be: the package is stored, no key is bound.
      await serverQuery(own.dataDir, 'DELETE FROM client_mls_keys');
      const restarted = await startTestServer({ dataDir: own.dataDir });
      try {
        const bound = await serverQuery(own.dataDir, 'SELECT count(*) AS n FROM client_mls_keys WHERE client_id = $1', [bob.clientId]);
        expect(bound.map((row) => Number(row.n))).toEqual([1]);
      } finally {
        await restarted.stop();
      }
    } finally {
      await own.stop().catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
