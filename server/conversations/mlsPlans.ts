import type { ApiErrorCode } from '../../protocol';
import type { CommitContent } from '../mls/commit';
import type { DeviceIdentity } from '../mls/identity';
import { CONTENT_TYPE } from '../mls/wire';
import type { MessageHeader } from '../mls/wire';
import { currentLeaves, leafOfClient, placeJoiners } from './leaves';
import type { ClientRef, ConversationRecord, Fanout, MessageContext, SignatureKeyRecord } from '../store/records';
import type { ConversationPlan, MessagePlan } from '../store/repositories';
import { memberOf, qualifiedConversation, qualifiedUser } from './view';

export type PlanFailure = Readonly<{ code: ApiErrorCode; message?: string; epoch?: number }>;

export type CommitInput = Readonly<{
  sender: ClientRef;
  /** What the commit really does, read by `mls/commit.ts`. */
  content: CommitContent;
  commit: string;
  welcome: string | undefined;
  groupInfo: Buffer;
  adds: readonly ClientRef[];
  removes: readonly ClientRef[];
  domain: string;
  /** The devices in the stored GroupInfo's ratchet tree, read only for groups without leaf indices. */
  treeLeaves: () => ReadonlyMap<number, DeviceIdentity> | 'no-group-info' | undefined;
  /** The registered MLS signature keys (bound at each device's first key package upload) of the devices whose new leaves the commit carries. */
  signatureKeys: readonly SignatureKeyRecord[];
  /**
   * Any device in the group may commit the removal of any other (call groups, issue 14: the key
   * generator removes whoever left or stopped answering, admin or not). Conversations: false.
   */
  anyMemberMayRemove?: boolean;
}>;

const same = (a: ClientRef, b: ClientRef): boolean => a.userId === b.userId && a.clientId === b.clientId;

function inGroup(conversation: ConversationRecord, client: ClientRef): boolean {
  return conversation.clients.some((member) => same(member, client));
}

function checkGroup(conversation: Pick<ConversationRecord, 'groupId'>, groupId: Buffer): PlanFailure | undefined {
  if (!groupId.equals(conversation.groupId)) return { code: 'mls-group-mismatch' };
  return undefined;
}

const mismatch = (message: string): Readonly<{ ok: false; failure: PlanFailure }> => ({ ok: false, failure: { code: 'mls-client-mismatch', message } });

/** The same devices, each once, in any order. */
function sameDevices(declared: readonly ClientRef[], real: readonly ClientRef[]): boolean {
  return declared.length === real.length && real.every((client, i) => declared.some((entry) => same(entry, client)) && real.findIndex((other) => same(other, client)) === i);
}

/**
 * Decides whether a commit bundle may be applied, given the conversation as it is now (inside
 * the serializing transaction). Commits are accepted only for the current epoch (RFC 9420 and
 * seed 002: the delivery service orders commits); the epoch then advances by one together with
 * the client changes, their leaves, the stored GroupInfo, and the fan-out.
 *
 * Authorization goes by what the commit really does, never by the bundle's declaration alone
 * (security review items 1 and 2): the devices its Add proposals' credentials name and the
 * devices at the leaves its Remove proposals name must be exactly the declared `adds` and
 * `removes`; the committer's own new leaf (its UpdatePath, or an external commit's joining
 * leaf) must name the committing device; a member commit must come from that device's leaf.
 */
export function planCommit(conversation: ConversationRecord, input: CommitInput): ConversationPlan<{ epoch: number }, PlanFailure> {
  const { content } = input;
  const wrongGroup = checkGroup(conversation, content.groupId);
  if (wrongGroup) return { ok: false, failure: wrongGroup };
  const sender = memberOf(conversation, input.sender.userId);
  if (!sender) return { ok: false, failure: { code: 'conversation-not-found' } };
  if (content.epoch !== BigInt(conversation.epoch)) {
    return { ok: false, failure: { code: 'mls-stale-message', epoch: conversation.epoch } };
  }
  const current = currentLeaves(conversation, input.treeLeaves);
  if (!current) return mismatch('The server cannot tell which device holds which leaf of this group; its stored group information is inconsistent.');
  const { leaves } = current;
  const local = (identity: DeviceIdentity): ClientRef | undefined =>
    identity.domain === input.domain ? { userId: identity.userId, clientId: identity.clientId } : undefined;
  const pathLeaf = content.pathLeaf === undefined ? undefined : local(content.pathLeaf.identity);
  if (content.pathLeaf !== undefined && (pathLeaf === undefined || !same(pathLeaf, input.sender))) {
    return mismatch('The committing device’s new leaf must name that device itself.');
  }
  const registeredKey = (client: ClientRef): Buffer | undefined =>
    input.signatureKeys.find((key) => same(key, client) && key.cipherSuite === conversation.cipherSuite)?.signatureKey;
  // A device's leaf carries the signature key it registered with its key packages: the committer
  // cannot give its own leaf another key (a device that never uploaded packages for this suite
  // has none to compare; its token authenticates it)…
  const committerKey = registeredKey(input.sender);
  if (content.pathLeaf !== undefined && committerKey !== undefined && !committerKey.equals(content.pathLeaf.signatureKey)) {
    return mismatch('The committing device’s new leaf must carry the MLS signature key that device registered.');
  }
  const removed: ClientRef[] = [];
  for (const [i, leaf] of content.removes.entries()) {
    const occupant = leaves.get(leaf);
    if (occupant === undefined) return mismatch('The commit removes a leaf that holds no device.');
    if (content.removes.indexOf(leaf) !== i) return mismatch('The commit removes the same leaf twice.');
    removed.push(occupant);
  }
  const external = content.sender.kind === 'external';
  let added: ClientRef[];
  if (content.sender.kind === 'external') {
    // An external commit (seed 002: a user's new device joining via the stored GroupInfo) adds
    // only the committing client itself, through its path, and may remove only that client's
    // earlier leaf (RFC 9420 §12.4.3.2: a device that fell behind rejoins, replacing its leaf).
    if (input.adds.length !== 1 || !input.adds.some((add) => same(add, input.sender))) {
      return mismatch('An external commit adds exactly the committing device.');
    }
    if (removed.some((remove) => !same(remove, input.sender))) {
      return mismatch('An external commit may remove only the committing device’s earlier leaf.');
    }
    added = [input.sender];
  } else {
    const own = leafOfClient(leaves, input.sender);
    if (own === undefined) {
      return { ok: false, failure: { code: 'not-member', message: 'This device is not in the MLS group; join it with an external commit.' } };
    }
    if (own !== content.sender.leafIndex) return mismatch('The commit is sent from a leaf that is not this device’s.');
    if (removed.some((remove) => same(remove, input.sender))) return mismatch('A device cannot remove itself with its own commit.');
    const adds: ClientRef[] = [];
    for (const leaf of content.adds) {
      const device = local(leaf.identity);
      if (device === undefined) return mismatch('Devices of other domains cannot be added here.');
      // …and nobody can add a device under a key it did not register: only a key package the
      // device uploaded itself (and someone claimed) can bring it into a group.
      const key = registeredKey(device);
      if (key === undefined || !key.equals(leaf.signatureKey)) {
        return mismatch('A device added by the commit must join with a key package it uploaded itself (its registered MLS signature key).');
      }
      adds.push(device);
    }
    added = adds;
    if (added.length > 0 && input.welcome === undefined) return mismatch('A commit that adds devices must come with their Welcome.');
  }
  if (!sameDevices(input.adds, added) || !sameDevices(input.removes, removed)) {
    return mismatch('The devices the commit adds or removes are not the ones the bundle declares.');
  }
  for (const add of added) {
    if (!memberOf(conversation, add.userId)) return mismatch('A commit may add only devices of conversation members.');
    const rejoining = removed.some((remove) => same(remove, add));
    if (inGroup(conversation, add) && !rejoining) return mismatch('A device in the commit is already in the group.');
  }
  for (const remove of removed) {
    const client = conversation.clients.find((entry) => same(entry, remove));
    const stillWanted = client !== undefined && client.registered && memberOf(conversation, remove.userId) !== undefined && remove.userId !== input.sender.userId;
    if (stillWanted && sender.role !== 'admin' && input.anyMemberMayRemove !== true) return { ok: false, failure: { code: 'action-denied' } };
  }
  const placed = placeJoiners(leaves, content.removes, added);
  const conversationId = qualifiedConversation(conversation, input.domain);
  const from = qualifiedUser(input.sender.userId, input.domain);
  const removing = (client: ClientRef) => removed.some((remove) => same(remove, client));
  // The commit goes to everyone in the group before it (members, and devices it removes), so
  // that removed devices learn they were removed. Added devices get the Welcome instead.
  const commitTargets = conversation.clients.filter((client) => memberOf(conversation, client.userId) !== undefined || removing(client));
  return {
    ok: true,
    value: { epoch: conversation.epoch + 1 },
    change: {
      epoch: conversation.epoch + 1,
      groupInfo: input.groupInfo,
      ...(current.initialised ? { setLeaves: [...leaves].map(([leafIndex, client]) => ({ ...client, leafIndex })) } : {}),
      removeClients: removed,
      addClients: placed,
    },
    fanout: (): readonly Fanout[] => [
      {
        clients: commitTargets,
        except: input.sender,
        event: { type: 'conversation.mls-message-add', conversation: conversationId, from, fromClient: input.sender.clientId, data: input.commit },
      },
      ...(input.welcome !== undefined && added.length > 0 && !external
        ? [
            {
              clients: added,
              event: {
                type: 'conversation.mls-welcome' as const,
                conversation: conversationId,
                from,
                fromClient: input.sender.clientId,
                data: input.welcome,
              },
            },
          ]
        : []),
    ],
  };
}

export type MessageInput = Readonly<{ sender: ClientRef; header: MessageHeader; message: string; domain: string }>;

/**
 * Application messages (and standalone proposals) go to every device in the group whose user is
 * still a member, except the sender. They may come from the current or an earlier epoch (clients
 * keep 3 past epochs, seed 002), never from a future one.
 */
export function planMessage(conversation: MessageContext, input: MessageInput): MessagePlan<PlanFailure> {
  const wrongGroup = checkGroup(conversation, input.header.groupId);
  if (wrongGroup) return { ok: false, failure: wrongGroup };
  if (!conversation.senderIsMember) return { ok: false, failure: { code: 'conversation-not-found' } };
  if (!conversation.senderInGroup) return { ok: false, failure: { code: 'not-member' } };
  const { contentType, wireFormat } = input.header;
  if (contentType === CONTENT_TYPE.commit) {
    return { ok: false, failure: { code: 'mls-invalid-message', message: 'Send commits as commit bundles.' } };
  }
  if (contentType === CONTENT_TYPE.application && wireFormat !== 'private') {
    return { ok: false, failure: { code: 'mls-invalid-message', message: 'Application messages must be encrypted (PrivateMessage).' } };
  }
  if (contentType !== CONTENT_TYPE.application && contentType !== CONTENT_TYPE.proposal) {
    return { ok: false, failure: { code: 'mls-invalid-message' } };
  }
  // Messages must be sent in the group's current epoch (as Wire's delivery service requires): a
  // sender that has not yet processed the latest commit would otherwise encrypt for an epoch
  // that devices added by that commit cannot read. It catches up and sends again.
  if (input.header.epoch !== BigInt(conversation.epoch)) return { ok: false, failure: { code: 'mls-stale-message', epoch: conversation.epoch } };
  return {
    ok: true,
    // Written once to the conversation's log; it reaches the registered member devices in the group.
    fanout: {
      conversation: conversation.id,
      except: input.sender,
      event: {
        type: 'conversation.mls-message-add',
        conversation: qualifiedConversation(conversation, input.domain),
        from: qualifiedUser(input.sender.userId, input.domain),
        fromClient: input.sender.clientId,
        data: input.message,
      },
    },
  };
}
