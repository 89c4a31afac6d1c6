/**
 * Writes effects (effects.ts) inside the receive transaction, in order, and says what to do once
 * it committed. New messages are stored together (messageBatch.ts, one INSERT per 64); any
 * other write first stores the messages before it, so every write sees what the effects before
 * it stored. The switch names every effect; a new kind without a case fails the type check.
 */
import { missingCase } from '../../../protocol/result';
import { saveAsset } from '../store/assets';
import { saveGroupState } from '../store/groups';
import { removeKeyPackage } from '../store/device';
import type { WritableDB } from '../store/handles';
import { hideMessage } from '../store/hiddenMessages';
import { applyReaction } from '../store/reactions';
import { saveReceipts } from '../store/receipts';
import { markLeft, saveConversation } from '../store/conversations';
import { conversationsWith, setMemberRole } from '../store/members';
import { applyDelete, applyEdit } from '../store/messages';
import { qualified, saveUserProfile } from '../store/users';
import type { SelfDevice, VerificationChange } from '../services/deviceTrust';
import { trackDevices } from '../services/deviceTrust';
import { MessageToStore, storeMessages } from '../services/messageBatch';
import { groupBefore, recordMembershipChange, recordOwnMembership } from '../services/membershipMessages';
import { recordDeparture } from '../store/groupDevices';
import { memberMentions } from '../services/messageReferences';
import { recordForgedMessage, recordRefusedChange } from '../services/senderChecks';
import type { Effect, FollowUp } from './effects';

export interface ApplyContext {
  readonly self: SelfDevice;
  /** Notes a delivery receipt owed for a stored message (outbox.ts), in the same transaction. */
  readonly noteDelivered: (tx: WritableDB, conversationId: string, messageId: string, at: number) => void;
}

/** Writes `effects` in the caller's transaction; returns what to announce and do after it committed, in order. */
export function applyEffects(tx: WritableDB, effects: readonly Effect[], context: ApplyContext, now: number = Date.now()): FollowUp[] {
  const batch: MessageToStore[] = [];
  const later: Array<() => readonly FollowUp[]> = [];
  const flush = (): void => {
    if (batch.length > 0) storeMessages(tx, batch.splice(0));
  };
  const done = (...followUps: FollowUp[]): void => {
    later.push(() => followUps);
  };
  for (const effect of effects) {
    if (effect.kind === 'store-message') {
      batch.push(messageToStore(effect, context));
      const item = batch[batch.length - 1];
      later.push(() =>
        item?.added
          ? [
              { kind: 'message-added', conversationId: effect.message.conversationId, messageId: effect.message.id, notify: effect.fromOthers, receiptNoted: effect.owesReceipt },
              changed(effect.message.conversationId),
            ]
          : [],
      );
      continue;
    }
    flush();
    done(...write(tx, effect, context, now));
  }
  flush();
  return later.flatMap((followUps) => followUps());
}

function messageToStore(effect: Extract<Effect, { kind: 'store-message' }>, context: ApplyContext): MessageToStore {
  const { message, mentions, fromOthers, owesReceipt } = effect;
  return new MessageToStore(
    message,
    fromOthers,
    mentions && ((tx) => memberMentions(tx, message.conversationId, mentions, context.self.user)),
    owesReceipt ? (tx) => context.noteDelivered(tx, message.conversationId, message.id, message.receivedAt) : undefined,
  );
}

/** Writes one effect other than a new message; returns its follow-ups. */
function write(tx: WritableDB, effect: Exclude<Effect, { kind: 'store-message' }>, context: ApplyContext, now: number): FollowUp[] {
  const { self } = context;
  switch (effect.kind) {
    case 'save-asset':
      saveAsset(tx, { ...effect.asset, conversationId: effect.conversationId, messageId: effect.messageId, localPath: null });
      return [];
    case 'edit-message': {
      const mentions = memberMentions(tx, effect.conversationId, effect.mentions, self.user);
      const edited = applyEdit(tx, effect.conversationId, effect.messageId, effect.sender, effect.text, effect.sentAt, mentions);
      return edited ? updated(effect.conversationId, effect.messageId) : [];
    }
    case 'delete-message':
      return applyDelete(tx, effect.conversationId, effect.messageId, effect.sender, effect.at) ? updated(effect.conversationId, effect.messageId) : [];
    case 'react':
      applyReaction(tx, effect.conversationId, effect.messageId, effect.sender, effect.emoji, effect.at);
      return updated(effect.conversationId, effect.messageId);
    case 'save-receipts':
      return saveReceipts(tx, effect.conversationId, [...effect.messageIds], effect.sender, effect.receipt, effect.at, self.user).map((messageId) => ({
        kind: 'message-updated',
        conversationId: effect.conversationId,
        messageId,
      }));
    case 'hide-message':
      if (!hideMessage(tx, effect.conversationId, effect.messageId, effect.at, true)) return [];
      return [{ kind: 'message-hidden', conversationId: effect.conversationId, messageId: effect.messageId }, changed(effect.conversationId)];
    case 'refused-change':
      return line(effect.conversationId, recordRefusedChange(tx, effect.conversationId, effect.key, effect.poster, effect.refusal, self, effect.at));
    case 'forged-message':
      return line(effect.conversationId, recordForgedMessage(tx, effect.conversationId, effect.key, effect.claimed, self, effect.at));
    case 'group-changed': {
      const { conversationId, members } = effect;
      if (effect.removedSelf) markLeft(tx, conversationId, effect.at);
      if (!members) return [changed(conversationId)];
      const change = { conversationId, epoch: effect.epoch, before: groupBefore(tx, conversationId), members, committer: effect.committer };
      const said = recordMembershipChange(tx, change, self, now);
      return [...line(conversationId, said), ...verification(trackDevices(tx, conversationId, members, self))];
    }
    case 'save-conversation':
      saveConversation(tx, effect.conversation, now);
      for (const p of effect.profiles) saveUserProfile(tx, p.user, p.name, p.handle, now);
      return [changed(effect.conversation.qualifiedId.id)];
    case 'save-group':
      saveGroupState(tx, effect.conversationId, effect.groupId, effect.epoch, effect.state, effect.at);
      return [];
    case 'use-key-package':
      removeKeyPackage(tx, effect.ref);
      return [];
    case 'track-devices':
      return verification(trackDevices(tx, effect.conversationId, effect.members, self));
    case 'own-membership':
      return line(effect.conversationId, recordOwnMembership(tx, effect.conversationId, effect.key, effect.change, self, effect.at));
    case 'mark-left':
      markLeft(tx, effect.conversationId, effect.at);
      return [changed(effect.conversationId)];
    case 'record-departure':
      recordDeparture(tx, effect.conversationId, effect.user, effect.at);
      return [];
    case 'set-member-role':
      return setMemberRole(tx, effect.conversationId, effect.user, effect.role) ? [changed(effect.conversationId)] : [];
    case 'save-profile': {
      saveUserProfile(tx, effect.user, effect.name, effect.handle, effect.at);
      const user = qualified(effect.user);
      // This user's own name shows in no conversation row: the signed-in status carries it.
      if (user === self.user) return [{ kind: 'own-profile-changed', name: effect.name }];
      // Others' names show in the list (a 1:1 is named after the other person) and in member lists.
      return conversationsWith(tx, user).map(changed);
    }
    case 'follow-up':
      return [effect.followUp];
    default:
      return missingCase(effect);
  }
}

function changed(conversationId: string): FollowUp {
  return { kind: 'conversation-changed', conversationId };
}

function updated(conversationId: string, messageId: string): FollowUp[] {
  return [{ kind: 'message-updated', conversationId, messageId }, changed(conversationId)];
}

/** A system line this transaction wrote (`messageId` undefined when it was there already). */
function line(conversationId: string, messageId: string | undefined): FollowUp[] {
  return [...(messageId === undefined ? [] : [{ kind: 'message-added', conversationId, messageId, notify: false, receiptNoted: false } as const]), changed(conversationId)];
}

function verification(change: VerificationChange | undefined): FollowUp[] {
  return change ? line(change.conversationId, change.messageId) : [];
}
