import {
  acceptAll,
  createApplicationMessage,
  createCommit,
  createGroup,
  createGroupInfoWithExternalPub,
  decodeMlsMessage,
  defaultCapabilities,
  defaultCryptoProvider,
  defaultLifetime,
  emptyPskIndex,
  encodeMlsMessage,
  generateKeyPackage,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  processMessage,
} from 'ts-mls';
import type { CiphersuiteImpl, ClientState, MLSMessage } from 'ts-mls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClaimKeyPackagesResponseSchema, ConversationSchema } from '../../../protocol';
import { fetchNotifications } from './support/notifications';
import type { TestServer } from './support/server';
import { startTestServer } from './support/server';
import type { TestClient } from './support/users';
import { userWithClient } from './support/users';

const encoder = new TextEncoder();

function decode(base64: string): MLSMessage {
  const decoded = decodeMlsMessage(Buffer.from(base64, 'base64'), 0);
  if (!decoded) throw new Error('not an MLS message');
  return decoded[0];
}

function encode(message: MLSMessage): string {
  return Buffer.from(encodeMlsMessage(message)).toString('base64');
}

describe('MLS delivery with real ts-mls clients', () => {
  let t: TestServer;
  let cs: CiphersuiteImpl;
  beforeAll(async () => {
    t = await startTestServer();
    cs = await getCiphersuiteImpl(getCiphersuiteFromName('MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519'), defaultCryptoProvider);
  });
  afterAll(async () => t.stop());

  async function keyPackageFor(client: TestClient) {
    const generated = await generateKeyPackage({ credentialType: 'basic', identity: encoder.encode(`${client.id}:${client.clientId}@cairn.test`) }, defaultCapabilities(), defaultLifetime, [], cs);
    const uploaded = await t.api.post(`/mls/key-packages/self/${client.clientId}`, {
      token: client.clientToken,
      body: { keyPackages: [encode({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: generated.publicPackage })] },
    });
    expect(uploaded.status, uploaded.raw.toString()).toBe(201);
    return generated;
  }

  async function groupInfoOf(state: ClientState): Promise<string> {
    return encode({ version: 'mls10', wireformat: 'mls_group_info', groupInfo: await createGroupInfoWithExternalPub(state, [], cs) });
  }

  it('adds a device with a real commit and Welcome, then delivers an encrypted message it can read', async () => {
    const ada = await userWithClient(t.api, t.dataDir, 'Ada');
    const bob = await userWithClient(t.api, t.dataDir, 'Bob');
    const bobKeys = await keyPackageFor(bob);
    const adaKeys = await keyPackageFor(ada);
    expect((await t.api.get(`/mls/key-packages/self/${bob.clientId}/count?ciphersuite=1`, { token: bob.clientToken })).body).toEqual({ count: 1 });

    const conversation = ConversationSchema.parse(
      (await t.api.post('/conversations', { token: ada.clientToken, body: { name: 'Real MLS', users: [{ id: bob.id, domain: 'cairn.test' }] } })).body,
    );
    let adaState = await createGroup(Buffer.from(conversation.groupId, 'base64'), adaKeys.publicPackage, adaKeys.privatePackage, [], cs);

    const claimed = ClaimKeyPackagesResponseSchema.parse(
      (await t.api.post(`/mls/key-packages/claim/cairn.test/${bob.id}?ciphersuite=1`, { token: ada.clientToken })).body,
    );
    expect(claimed.keyPackages).toHaveLength(1);
    const claimedMessage = decode(claimed.keyPackages[0]?.keyPackage ?? '');
    if (claimedMessage.wireformat !== 'mls_key_package') throw new Error('expected a key package');
    const commit = await createCommit(
      { state: adaState, cipherSuite: cs },
      { extraProposals: [{ proposalType: 'add', add: { keyPackage: claimedMessage.keyPackage } }], ratchetTreeExtension: true, wireAsPublicMessage: true },
    );
    adaState = commit.newState;
    if (!commit.welcome) throw new Error('no welcome');
    const posted = await t.api.post(`/conversations/${conversation.qualifiedId.id}/mls/commit-bundles`, {
      token: ada.clientToken,
      body: {
        commit: encode(commit.commit),
        welcome: encode({ version: 'mls10', wireformat: 'mls_welcome', welcome: commit.welcome }),
        groupInfo: await groupInfoOf(adaState),
        adds: [{ user: { id: bob.id, domain: 'cairn.test' }, client: bob.clientId }],
      },
    });
    expect(posted.status, posted.raw.toString()).toBe(201);
    expect(posted.body).toMatchObject({ epoch: 1 });

    const welcomeEvent = (await fetchNotifications(t.api, bob)).find((n) => n.event.type === 'conversation.mls-welcome');
    if (welcomeEvent?.event.type !== 'conversation.mls-welcome') throw new Error('no welcome delivered');
    const welcome = decode(welcomeEvent.event.data);
    if (welcome.wireformat !== 'mls_welcome') throw new Error('expected a welcome');
    let bobState = await joinGroup(welcome.welcome, bobKeys.publicPackage, bobKeys.privatePackage, emptyPskIndex, cs);
    expect(bobState.groupContext.epoch).toBe(1n);

    const sent = await createApplicationMessage(adaState, encoder.encode('hello Bob'), cs);
    adaState = sent.newState;
    const message = encode({ version: 'mls10', wireformat: 'mls_private_message', privateMessage: sent.privateMessage });
    expect((await t.api.post(`/conversations/${conversation.qualifiedId.id}/mls/messages`, { token: ada.clientToken, body: { message } })).status).toBe(201);
    const delivered = (await fetchNotifications(t.api, bob)).filter((n) => n.event.type === 'conversation.mls-message-add').at(-1);
    if (delivered?.event.type !== 'conversation.mls-message-add') throw new Error('no message delivered');
    const incoming = decode(delivered.event.data);
    if (incoming.wireformat !== 'mls_private_message') throw new Error('expected a PrivateMessage');
    const processed = await processMessage(incoming, bobState, emptyPskIndex, acceptAll, cs);
    if (processed.kind !== 'applicationMessage') throw new Error('expected an application message');
    bobState = processed.newState;
    expect(new TextDecoder().decode(processed.message)).toBe('hello Bob');

    // A commit made from a state the group has moved past is refused with the current epoch.
    const adaUpdate = await createCommit({ state: adaState, cipherSuite: cs }, { wireAsPublicMessage: true });
    const bobUpdate = await createCommit({ state: bobState, cipherSuite: cs }, { wireAsPublicMessage: true });
    const route = `/conversations/${conversation.qualifiedId.id}/mls/commit-bundles`;
    expect((await t.api.post(route, { token: ada.clientToken, body: { commit: encode(adaUpdate.commit), groupInfo: await groupInfoOf(adaUpdate.newState) } })).status).toBe(201);
    const stale = await t.api.post(route, { token: bob.clientToken, body: { commit: encode(bobUpdate.commit), groupInfo: await groupInfoOf(bobUpdate.newState) } });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'mls-stale-message', epoch: 2 });
  });
});
