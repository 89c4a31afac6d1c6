import { randomUUID } from 'node:crypto';
import { encodeContent } from '../../protocol/content/codec';
import type { Content } from '../../protocol/content/schema';
import type { LoadedSuite } from '../../electron/core/crypto/mls/cipherSuites';
import { DEFAULT_MLS_SUITE, loadSuite } from '../../electron/core/crypto/mls/cipherSuites';
import type { MlsCommitOutput } from '../../electron/core/crypto/mls/engineContext';
import type { MlsEngine } from '../../electron/core/crypto/mls/mlsEngine';
import { createMlsEngine } from '../../electron/core/crypto/mls/mlsEngine';
import type { MlsGroup } from '../../electron/core/crypto/mls/mlsGroup';
import type { MlsClientIdentity } from '../../electron/core/crypto/mls/mlsIdentity';
import type { MlsSigner } from '../../electron/core/crypto/mls/mlsSigner';
import { createSigner } from '../../electron/core/crypto/mls/mlsSigner';
import type { ApiClient } from '../../electron/core/net/apiClient';
import type { RunningServer } from '../../server/server';
import { must } from '../fixtures/mls/mlsTestDevices';
import { apiClient, registerAccount, registerDevice, TEST_PASSWORD } from './serverAccounts';

/**
 * A real member driven by the test instead of a core: a registered account and device, its own
 * MLS signer and group state, talking to the real server through the API. Security tests use it
 * as the malicious member, who builds commits and messages no core would.
 */
export type RawMember = Readonly<{
  api: ApiClient;
  identity: MlsClientIdentity;
  user: Readonly<{ id: string; domain: string }>;
  suite: LoadedSuite;
  signer: MlsSigner;
  engine: MlsEngine;
  /** Its group state per conversation, as it last adopted it. */
  groups: Map<string, MlsGroup>;
}>;

export async function registerRawMember(server: RunningServer, serverDataDir: string, email: string, name: string): Promise<RawMember> {
  const api = await registerAccount(server, serverDataDir, email, name);
  const self = await api.call('getSelf', {});
  const clientId = await registerDevice(api, `${name}'s test device`);
  const identity = { userId: self.qualifiedId.id, clientId, domain: self.qualifiedId.domain };
  const suite = must(await loadSuite(DEFAULT_MLS_SUITE));
  const signer = await createSigner(identity, suite);
  return { api, identity, user: self.qualifiedId, suite, signer, engine: must(await createMlsEngine(signer)), groups: new Map() };
}

/** Joins a conversation it is a member of by external commit through the real route; returns the commit. */
export async function joinExternally(member: RawMember, conversationId: string): Promise<MlsCommitOutput> {
  const { groupInfo } = await member.api.call('getGroupInfo', { params: { conv: conversationId } });
  const output = must(await member.engine.joinByExternalCommit(new Uint8Array(Buffer.from(groupInfo, 'base64'))));
  await member.api.call('postCommitBundle', {
    params: { conv: conversationId },
    body: {
      commit: Buffer.from(output.commit).toString('base64'),
      groupInfo: Buffer.from(output.groupInfo).toString('base64'),
      adds: [{ user: member.user, client: member.identity.clientId }],
      removes: [],
    },
  });
  member.groups.set(conversationId, output.group);
  return output;
}

/** A text message as the cores encode it, encrypted from `group` (the member's own unless given). */
export async function encryptText(member: RawMember, conversationId: string, text: string, group?: MlsGroup): Promise<Uint8Array> {
  return encryptContent(member, conversationId, { type: 'text', text, mentions: [] }, group);
}

/** Any content message as the cores encode it, encrypted from `group` (the member's own unless given). */
export async function encryptContent(member: RawMember, conversationId: string, body: Content, group?: MlsGroup): Promise<Uint8Array> {
  const from = group ?? member.groups.get(conversationId);
  if (from === undefined) throw new Error('the raw member is not in this conversation');
  const content = encodeContent({ v: 1, id: randomUUID(), sentAt: Date.now(), content: body });
  const encrypted = must(await member.engine.encrypt(from, content));
  if (group === undefined) member.groups.set(conversationId, encrypted.group);
  return encrypted.message;
}

/** Posts MLS bytes as this member's device through the real route (the server attests it as the sender). */
export async function postAsMember(member: RawMember, conversationId: string, message: Uint8Array): Promise<void> {
  await member.api.call('postMlsMessage', { params: { conv: conversationId }, body: { message: Buffer.from(message).toString('base64') } });
}

/**
 * Another device of an existing account (signed in with TEST_PASSWORD), driven by the test: a
 * device of the same user that does what no core would do at that moment (a late call answer).
 */
export async function addRawDevice(server: RunningServer, email: string, name: string): Promise<RawMember> {
  const api = apiClient(server);
  const access = await api.call('login', { body: { email, password: TEST_PASSWORD } });
  api.session.setToken(access.accessToken, access.expiresIn);
  const self = await api.call('getSelf', {});
  const clientId = await registerDevice(api, `${name}'s raw test device`);
  const identity = { userId: self.qualifiedId.id, clientId, domain: self.qualifiedId.domain };
  const suite = must(await loadSuite(DEFAULT_MLS_SUITE));
  const signer = await createSigner(identity, suite);
  return { api, identity, user: self.qualifiedId, suite, signer, engine: must(await createMlsEngine(signer)), groups: new Map() };
}
