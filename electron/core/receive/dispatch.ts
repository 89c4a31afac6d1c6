/**
 * The receive side's one entry: what a notification from the server means for this device,
 * as effects (effects.ts) to write in its transaction. Every notification type has a case and
 * a handler in its own file (handlers/); a new type without one fails the type check
 * (`missingCase`, shown by test/unit/receive/exhaustiveDispatch.test.ts). Handlers read and
 * decrypt but write nothing: syncService.ts writes what they return together with the cursor.
 */
import type { Notification } from '../../../protocol/api/notifications';
import { missingCase } from '../../../protocol/result';
import type { ReceivedGroups } from '../services/receivedGroups';
import type { Effects, ReceiveContext } from './context';
import { callGroupEvent } from './handlers/callGroupEvent';
import { chatRequestAccepted } from './handlers/chatRequestAccepted';
import { chatRequestAnswered } from './handlers/chatRequestAnswered';
import { chatRequestReceived } from './handlers/chatRequestReceived';
import { clientAdded } from './handlers/clientAdded';
import { clientRemoved } from './handlers/clientRemoved';
import { conversationCreated } from './handlers/conversationCreated';
import { memberJoined } from './handlers/memberJoined';
import { memberLeft } from './handlers/memberLeft';
import { memberUpdated } from './handlers/memberUpdated';
import { messageTimerUpdated } from './handlers/messageTimerUpdated';
import { mlsClientGone } from './handlers/mlsClientGone';
import { mlsMessageAdded } from './handlers/mlsMessageAdded';
import { mlsWelcome } from './handlers/mlsWelcome';
import { passwordChanged } from './handlers/passwordChanged';
import { renamed } from './handlers/renamed';
import { userUpdated } from './handlers/userUpdated';

/**
 * `received` carries the group states advanced by earlier messages of the same transaction.
 * Throws what the network threw (the stream then reconnects and the notification comes again).
 */
export async function prepareNotification(context: ReceiveContext, notification: Notification, received: ReceivedGroups): Promise<Effects> {
  const { event } = notification;
  switch (event.type) {
    case 'user.client-add':
      return clientAdded(context, event, notification);
    case 'user.client-remove':
      return clientRemoved(event);
    case 'user.password-changed':
      return passwordChanged(event);
    case 'user.update':
      return userUpdated(event);
    case 'user.chat-request':
      return chatRequestReceived(event);
    case 'user.chat-request-accepted':
      return chatRequestAccepted(event);
    case 'user.chat-request-answered':
      return chatRequestAnswered(event);
    case 'conversation.create':
      return conversationCreated(event);
    case 'conversation.member-join':
      return memberJoined(context, event);
    case 'conversation.member-leave':
      return memberLeft(context, event, notification);
    case 'conversation.member-update':
      return memberUpdated(context, event);
    case 'conversation.rename':
      return renamed(context, event);
    case 'conversation.message-timer-update':
      return messageTimerUpdated(context, event);
    case 'conversation.mls-message-add':
      return mlsMessageAdded(context, event, notification, received);
    case 'conversation.mls-welcome':
      return mlsWelcome(context, event);
    case 'conversation.mls-client-gone':
      return mlsClientGone(context, event);
    case 'conversation.subconv-mls-message-add':
    case 'conversation.subconv-leave':
      return callGroupEvent(event, notification);
    default:
      return missingCase(event);
  }
}
