import { toIncoming } from '../../session/chatRequests';
import type { EventOf, Effects } from '../context';

/**
 * Someone asked this user to chat (docs/SECURITY.md §10). Nothing is stored: the server keeps
 * the pending requests (`chatRequests.list` reads them), the UI is told so its list follows.
 */
export function chatRequestReceived(event: EventOf<'user.chat-request'>): Effects {
  return [{ kind: 'follow-up', followUp: { kind: 'chat-request-received', request: toIncoming(event.request) } }];
}
