/**
 * Chat requests addressed to this user (docs/SECURITY.md §10): read from the core, kept current
 * by its events, answered from the list. Accepting opens the 1:1 conversation the core made.
 */
import type { IncomingChatRequest } from '../../electron/core/ipc/contract';
import type { ErrorInfo } from '../../protocol/result';
import { onEvent, request } from '../api';
import { conversationList } from './conversationList.svelte';
import { openConversation } from './openConversation.svelte';

class ChatRequestsState {
  items = $state<readonly IncomingChatRequest[]>([]);
  /** The request being answered, so its buttons wait. */
  answering = $state<string | undefined>(undefined);
  error = $state<ErrorInfo | undefined>(undefined);

  async load(): Promise<void> {
    const result = await request('chatRequests.list', {});
    if (result.ok) this.items = result.value.requests;
  }

  /** Follows the core: a new request joins the list, one answered elsewhere leaves it. */
  follow(): () => void {
    const offReceived = onEvent('chatRequest.received', (incoming) => {
      if (!this.items.some((r) => r.id === incoming.id)) this.items = [...this.items, incoming];
    });
    const offAnswered = onEvent('chatRequest.answered', ({ id }) => this.drop(id));
    return () => {
      offReceived();
      offAnswered();
    };
  }

  async accept(id: string): Promise<void> {
    this.answering = id;
    const result = await request('chatRequests.accept', { id });
    this.answering = undefined;
    this.error = result.ok ? undefined : result.error;
    if (!result.ok) return;
    this.drop(id);
    await conversationList.load();
    await openConversation.open(result.value.id);
  }

  async ignore(id: string): Promise<void> {
    this.answering = id;
    const result = await request('chatRequests.ignore', { id });
    this.answering = undefined;
    this.error = result.ok ? undefined : result.error;
    if (result.ok) this.drop(id);
  }

  private drop(id: string): void {
    this.items = this.items.filter((r) => r.id !== id);
  }
}

export const chatRequests = new ChatRequestsState();

/** Asks the owner of `email` to chat; the answer is the same whether the address has an account. */
export async function sendChatRequest(email: string): Promise<ErrorInfo | undefined> {
  const result = await request('chatRequests.send', { email });
  return result.ok ? undefined : result.error;
}
