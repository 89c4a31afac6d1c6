/**
 * Carries out what a committed receive transaction left to do (effects.ts `FollowUp`): events
 * for the UI, desktop notifications, waking the outbox, and commits this device owes the group.
 * Commits are started, never awaited: they queue behind the notification being applied.
 */
import { missingCase } from '../../../protocol/result';
import type { StoredMessage } from '../ipc/contract';
import type { Logger } from '../log';
import type { MlsClientIdentity } from '../crypto/mls/mlsIdentity';
import type { Announcer } from '../session/announcer';
import { getMessage } from '../toContract';
import type { ReadableDB } from '../store/handles';
import type { FollowUp } from './effects';
import type { CallGroupEvent } from './handlers/callGroupEvent';

export interface FollowUpContext {
  readonly db: ReadableDB;
  readonly announcer: Announcer;
  readonly log: Logger;
  readonly notify: (message: StoredMessage) => void;
  /** Delivery receipts were noted: the outbox sends them once messages stop arriving. */
  readonly receiptsNoted: () => void;
  readonly ownProfileChanged: (name: string) => void;
  /** Hands a call message to the call service, which queues it (it must not wait for the group lock held here). */
  readonly callMessage: (message: Omit<Extract<FollowUp, { kind: 'call-message' }>, 'kind'>) => void;
  /** Hands a conference message to the conference service, which queues it (same reason). */
  readonly conferenceMessage: (message: Omit<Extract<FollowUp, { kind: 'conference-message' }>, 'kind'>) => void;
  readonly removeDeparted: (conversationId: string) => Promise<void>;
  readonly removeGoneDevice: (conversationId: string, device: MlsClientIdentity) => Promise<void>;
  /** Hands a call group's event to the running conference; returns at once (its work is queued there). */
  readonly callGroupEvent: (event: CallGroupEvent, time: string) => void;
}

export function runFollowUps(followUps: readonly FollowUp[], context: FollowUpContext): void {
  const { announcer, log } = context;
  const { events } = announcer;
  for (const followUp of followUps) {
    switch (followUp.kind) {
      case 'conversation-changed':
        announcer.conversationChanged(followUp.conversationId);
        break;
      case 'message-added': {
        const stored = getMessage(context.db, followUp.conversationId, followUp.messageId);
        if (!stored) break;
        events.emit('message.added', stored);
        if (followUp.notify) context.notify(stored);
        if (followUp.receiptNoted) context.receiptsNoted();
        break;
      }
      case 'message-updated':
        announcer.messageUpdated(followUp.conversationId, followUp.messageId);
        break;
      case 'message-hidden':
        events.emit('message.hidden', { conversationId: followUp.conversationId, messageId: followUp.messageId });
        break;
      case 'typing':
        events.emit('typing', { conversationId: followUp.conversationId, user: followUp.user, state: followUp.state });
        break;
      case 'call-message': {
        const { conversationId, from, sentAt, content } = followUp;
        context.callMessage({ conversationId, from, sentAt, content });
        break;
      }
      case 'conference-message': {
        const { conversationId, from, sentAt, content } = followUp;
        context.conferenceMessage({ conversationId, from, sentAt, content });
        break;
      }
      case 'device-added':
        events.emit('device.added', followUp.device);
        break;
      case 'device-removed':
        events.emit('device.removed', { id: followUp.id });
        break;
      case 'chat-request-received':
        events.emit('chatRequest.received', followUp.request);
        break;
      case 'chat-request-accepted':
        events.emit('chatRequest.accepted', followUp.accepted);
        break;
      case 'chat-request-answered':
        events.emit('chatRequest.answered', { id: followUp.id });
        break;
      case 'own-profile-changed':
        context.ownProfileChanged(followUp.name);
        break;
      case 'remove-departed': {
        const { conversationId } = followUp;
        context.removeDeparted(conversationId).catch((error: unknown) => log.warn('removing the devices of a member who left failed', { conversationId, error }));
        break;
      }
      case 'remove-gone-device': {
        const { conversationId } = followUp;
        context.removeGoneDevice(conversationId, followUp.device).catch((error: unknown) => log.warn('removing a deleted device from a group failed', { conversationId, error }));
        break;
      }
      case 'call-group-event':
        context.callGroupEvent(followUp.event, followUp.time);
        break;
      default:
        missingCase(followUp);
    }
  }
}
