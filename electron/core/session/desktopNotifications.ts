/**
 * Asks the shell for a desktop notification when someone else's message arrives: who wrote
 * where, and what, as far as the user's preferences allow; none for a muted conversation —
 * unless the message mentions this user (Signal's "notify for mentions" default) — or with
 * notifications turned off. (While the app is locked no message is received at all: locking
 * stops the notification stream first.)
 */
import type { StoredMessage } from '../ipc/contract';
import type { EventHub } from '../events';
import { groupName, isMuted } from '../store/conversations';
import { readPreferencesThisTurn } from '../services/preferences';
import type { ReadableDB } from '../store/handles';

export class DesktopNotifications {
  constructor(
    private readonly db: ReadableDB,
    private readonly events: EventHub,
  ) {}

  notify(message: StoredMessage): void {
    const { db } = this;
    // Once per received batch, not once per message.
    const preferences = readPreferencesThisTurn(db);
    if (!preferences.desktopNotifications || (isMuted(db, message.conversationId) && !message.mentionsMe)) return;
    let title = 'Cairn';
    let body = 'New message';
    if (preferences.notificationContent !== 'nothing') {
      // One row, not the whole conversation list with its counts: this runs for every message.
      const name = groupName(db, message.conversationId);
      const sender = message.senderName ?? 'Someone';
      title = name ? `${sender} in ${name}` : sender;
    }
    if (preferences.notificationContent === 'name-and-message') {
      body = message.kind === 'asset' ? `Sent a file: ${message.asset?.name ?? ''}` : message.kind === 'knock' ? 'Sent a ping.' : (message.text ?? '');
    }
    this.events.emit('notify', { conversationId: message.conversationId, title: title.slice(0, 256), body: body.slice(0, 512) });
  }

  /**
   * An incoming or missed call (session/calls/callService.ts), under the same rules as a
   * message: none with notifications off or in a muted conversation; the caller's name only if
   * the user lets notifications show names. That it is a call is said even with "nothing", as
   * Signal does: a ringing notification that said "New message" would mislead.
   */
  notifyCall(conversationId: string, callId: string, peerName: string, notice: 'incoming-call' | 'missed-call', media: 'audio' | 'video'): void {
    const { db } = this;
    const preferences = readPreferencesThisTurn(db);
    if (!preferences.desktopNotifications || isMuted(db, conversationId)) return;
    const title = preferences.notificationContent === 'nothing' ? 'Cairn' : peerName;
    const detailed = preferences.notificationContent === 'name-and-message';
    const body =
      notice === 'incoming-call' ? (detailed ? `Incoming ${media} call` : 'Incoming call') : detailed ? `Missed ${media} call` : 'Missed call';
    this.events.emit('notify', { conversationId, title: title.slice(0, 256), body, call: { callId, notice, media } });
  }
}
