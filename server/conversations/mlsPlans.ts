import type { ApiErrorCode } from '../../protocol';
import { CONTENT_TYPE, SENDER_TYPE } from '../mls/wire';
import type { MessageHeader } from '../mls/wire';
import type { ClientRef, ConversationRecord, Fanout, MessageContext } from '../store/records';
import type { ConversationPlan, MessagePlan } from '../store/repositories';
import { memberOf, qualifiedConversation, qualifiedUser } from './view';

export type PlanFailure = Readonly<{ code: ApiErrorCode; message?: string; epoch?: number }>;

export type CommitInput = Readonly<{
  sender: ClientRef;
  header: MessageHeader;
  commit: string;
  welcome: string | undefined;
  groupInfo: Buffer;
  adds: readonly ClientRef[];
  removes: readonly ClientRef[];
  domain: string;
}>;

const same = (a: ClientRef, b: ClientRef): boolean => a.userId === b.userId && a.clientId === b.clientId;

function inGroup(conversation: ConversationRecord, client: ClientRef): boolean {
  return conversation.clients.some((member) => same(member, client));
}

function checkGroup(conversation: Pick<ConversationRecord, 'groupId'>, header: MessageHeader): PlanFailure | undefined {
  if (!header.groupId.equals(conversation.groupId)) return { code: 'mls-group-mismatch' };
  return undefined;
}

/**
 * Decides whether a commit bundle may be applied, given the conversation as it is now (inside
 * the serializing transaction). Commits are accepted only for the current epoch (RFC 9420 and
 * seed 002: the delivery service orders commits); the epoch then advances by one together with
 * the declared client changes, the stored GroupInfo, and the fan-out.
 */
export function planCommit(conversation: ConversationRecord, input: CommitInput): ConversationPlan<{ epoch: number }, PlanFailure> {
  const wrongGroup = checkGroup(conversation, input.header);
  if (wrongGroup) return { ok: false, failure: wrongGroup };
  if (input.header.contentType !== CONTENT_TYPE.commit) {
    return { ok: false, failure: { code: 'mls-invalid-message', message: 'The commit bundle does not carry a commit.' } };
  }
  const sender = memberOf(conversation, input.sender.userId);
  if (!sender) return { ok: false, failure: { code: 'conversation-not-found' } };
  if (input.header.epoch !== BigInt(conversation.epoch)) {
    return { ok: false, failure: { code: 'mls-stale-message', epoch: conversation.epoch } };
  }
  const external = input.header.senderType === SENDER_TYPE.newMemberCommit;
  if (external) {
    // An external commit (seed 002: a user's new device joining via the stored GroupInfo) may
    // add only the committing client itself, and remove only that client's earlier leaf (RFC 9420
    // §12.4.3.2: a device that fell behind rejoins, replacing its own leaf).
    if (input.adds.length !== 1 || !input.adds.some((add) => same(add, input.sender))) {
      return { ok: false, failure: { code: 'mls-client-mismatch', message: 'An external commit adds exactly the committing device.' } };
    }
    if (input.removes.some((remove) => !same(remove, input.sender))) {
      return { ok: false, failure: { code: 'mls-client-mismatch', message: 'An external commit may remove only the committing device.' } };
    }
  } else if (!inGroup(conversation, input.sender)) {
    return { ok: false, failure: { code: 'not-member', message: 'This device is not in the MLS group; join it with an external commit.' } };
  } else if (input.adds.length > 0 && input.welcome === undefined) {
    return { ok: false, failure: { code: 'mls-client-mismatch', message: 'A commit that adds devices must come with their Welcome.' } };
  }
  for (const add of input.adds) {
    if (!memberOf(conversation, add.userId)) {
      return { ok: false, failure: { code: 'mls-client-mismatch', message: 'A commit may add only devices of conversation members.' } };
    }
    const rejoining = input.removes.some((remove) => same(remove, add));
    if (inGroup(conversation, add) && !rejoining) {
      return { ok: false, failure: { code: 'mls-client-mismatch', message: 'A device in the commit is already in the group.' } };
    }
  }
  for (const remove of input.removes) {
    const current = conversation.clients.find((client) => same(client, remove));
    if (!current) return { ok: false, failure: { code: 'mls-client-mismatch', message: 'A removed device is not in the group.' } };
    const stillWanted = current.registered && memberOf(conversation, remove.userId) !== undefined && remove.userId !== input.sender.userId;
    if (stillWanted && sender.role !== 'admin') return { ok: false, failure: { code: 'action-denied' } };
  }
  const conversationId = qualifiedConversation(conversation, input.domain);
  const from = qualifiedUser(input.sender.userId, input.domain);
  const removing = (client: ClientRef) => input.removes.some((remove) => same(remove, client));
  // The commit goes to everyone in the group before it (members, and devices it removes), so
  // that removed devices learn they were removed. Added devices get the Welcome instead.
  const commitTargets = conversation.clients.filter((client) => memberOf(conversation, client.userId) !== undefined || removing(client));
  return {
    ok: true,
    value: { epoch: conversation.epoch + 1 },
    change: {
      epoch: conversation.epoch + 1,
      groupInfo: input.groupInfo,
      addClients: input.adds,
      removeClients: input.removes,
    },
    fanout: (): readonly Fanout[] => [
      {
        clients: commitTargets,
        except: input.sender,
        event: { type: 'conversation.mls-message-add', conversation: conversationId, from, fromClient: input.sender.clientId, data: input.commit },
      },
      ...(input.welcome !== undefined && input.adds.length > 0 && !external
        ? [
            {
              clients: input.adds,
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
  const wrongGroup = checkGroup(conversation, input.header);
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
