import { missingCase } from '../../../../protocol/result';
import { conversationExists } from '../../store/conversations';
import { qualified } from '../../store/users';
import type { ChangeRefusal, Poster } from '../../services/senderChecks';
import { changeReview, sentByPoster } from '../../services/senderChecks';
import type { ReceivedGroups } from '../../services/receivedGroups';
import { fromBase64, selfId } from '../../session/device';
import type { EventOf, Effects, NotificationMeta, ReceiveContext } from '../context';
import { interpretContent, storeMessage } from '../interpretContent';

/**
 * An MLS message from another device: decrypted (or a commit applied) from the state the
 * previous message of this transaction left (`received`), the content then read by
 * `interpretContent`. Decrypting writes nothing; `received` stores each group's final state
 * with the transaction. Commits are checked against commitRules.ts before they are adopted, and
 * an application message must come from the device the server says posted it (issue 11).
 */
export async function mlsMessageAdded(
  context: ReceiveContext,
  event: EventOf<'conversation.mls-message-add'>,
  notification: NotificationMeta,
  received: ReceivedGroups,
): Promise<Effects> {
  const { device, groups, log } = context;
  if (event.from.id === device.userId && event.fromClient === device.clientId) return [];
  const conversationId = event.conversation.id;
  // The state the previous message of this transaction left (its conversation exists, then), else the stored one.
  const carried = received.get(conversationId);
  if (carried === undefined && !conversationExists(device.db, conversationId)) return [];
  const engine = await groups.mls();
  const group = carried ?? groups.group(engine, conversationId);
  const poster: Poster = { userId: event.from.id, domain: event.from.domain, clientId: event.fromClient };
  let refusal: ChangeRefusal | undefined;
  const review = changeReview(device, conversationId, poster, (r) => (refusal = r));
  const inbound = await engine.processMessage(group, fromBase64(event.data), review);
  const receivedAt = Date.now();
  const self = selfId(device);
  if (!inbound.ok) {
    if (inbound.error.code === 'mls-duplicate') {
      // These exact bytes were processed here before (a post the server stored twice, say):
      // nothing new. Logged so that a repeat can be counted per device (idempotentPost.test.ts).
      log.debug('a message this device already decrypted came again; ignored', { conversationId, code: inbound.error.code });
      return [];
    }
    if (inbound.error.code === 'mls-commit-refused') {
      // Not adopted: the group stays as it was (issue 11). The line says so; the log has the rule's code.
      const refused = refusal ?? { code: 'change-sender-mismatch' as const, reason: 'it broke the rules of this conversation' };
      log.warn('a change to the conversation was refused', { conversationId, code: refused.code });
      return [{ kind: 'refused-change', conversationId, key: String(notification.id), poster, refusal: refused, at: receivedAt }];
    }
    log.warn('a message could not be decrypted', { conversationId, code: inbound.error.code });
    return [
      storeMessage(self, {
        id: `undecryptable-${notification.id}`,
        conversationId,
        senderUser: qualified(event.from),
        senderClient: event.fromClient,
        kind: 'undecryptable',
        body: null,
        content: null,
        sentAt: Date.parse(notification.time),
        receivedAt,
        status: 'received',
      }),
    ];
  }
  const result = inbound.value;
  // Stored once for the whole transaction, with the messages (receivedGroups.ts).
  received.advance(conversationId, result.group, receivedAt, engine);
  switch (result.kind) {
    case 'proposal':
      return [{ kind: 'group-changed', conversationId, epoch: engine.status(result.group).epoch, members: undefined, committer: undefined, removedSelf: false, at: receivedAt }];
    case 'commit': {
      // A commit may add devices (or change a device's key): the verification state is reviewed.
      const removedSelf = result.selfRemoved;
      const members = removedSelf ? undefined : engine.members(result.group);
      const committer = result.committer ? qualified({ id: result.committer.userId, domain: result.committer.domain }) : undefined;
      return [{ kind: 'group-changed', conversationId, epoch: engine.status(result.group).epoch, members, committer, removedSelf, at: receivedAt }];
    }
    case 'application':
      if (!sentByPoster(result.sender, poster)) {
        // The leaf's credential names another device than the one the server says posted it: a
        // member posting with a leaf that claims to be someone else (issue 11). Never stored as theirs.
        log.warn('a message whose sender could not be authenticated was dropped', { conversationId, code: 'mls-sender-mismatch' });
        return [{ kind: 'forged-message', conversationId, key: String(notification.id), claimed: result.sender, at: receivedAt }];
      }
      return interpretContent({
        conversationId,
        notificationId: notification.id,
        notificationTime: Date.parse(notification.time),
        sender: qualified({ id: result.sender.userId, domain: result.sender.domain }),
        senderClient: result.sender.clientId,
        selfId: self,
        plaintext: result.plaintext,
        receivedAt,
        preferences: context.preferences,
      });
    default:
      return missingCase(result);
  }
}
