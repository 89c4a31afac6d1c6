/**
 * The open conversation: its messages (paged from the newest), who is typing in it, and what
 * this user does there (send, edit, react, delete, ping). Follows the core's message events for
 * that conversation only; its summary (name, verification, mute) comes from the conversation list.
 */
import type { ConversationSummary, StoredMessage } from '../../electron/core/ipc/contract';
import type { ErrorInfo } from '../../protocol/result';
import { onEvent, request } from '../api';
import { coreMentions } from '../lib/qualified';
import { conversationList } from './conversationList.svelte';

/** Messages fetched at a time when a conversation opens and when scrolling back. */
const PAGE = 100;

class OpenConversationState {
  selectedId = $state<string | undefined>(undefined);
  messages = $state<readonly StoredMessage[]>([]);
  /** Older messages of the open conversation are still in the store, not yet loaded. */
  hasOlder = $state(false);
  loadingOlder = $state(false);
  error = $state<ErrorInfo | undefined>(undefined);
  sending = $state(false);
  /** Who is typing in the open conversation, with when that news expires. */
  typing = $state<Readonly<Record<string, number>>>({});
  /** A message to bring into view and highlight (from search), until the list has shown it. */
  focusMessageId = $state<string | undefined>(undefined);
  /** Self-deleting timer for the next messages in the open conversation (0 = off). */
  timerMs = $state(0);
  private typingSentAt = 0;
  private stopTimer: ReturnType<typeof setTimeout> | undefined;
  private markReadTimer: ReturnType<typeof setTimeout> | undefined;

  get selected(): ConversationSummary | undefined {
    return conversationList.byId(this.selectedId);
  }

  follow(): () => void {
    const offMessage = onEvent('message.added', (message) => {
      if (message.conversationId !== this.selectedId) return;
      if (this.messages.some((m) => m.id === message.id)) return;
      this.messages = [...this.messages, message];
      // The open conversation is being read: its new messages do not count as unread. A catch-up
      // brings many at once: one read receipt for the lot, not one per message.
      this.markReadSoon(message.conversationId);
    });
    const offUpdated = onEvent('message.updated', (message) => {
      if (message.conversationId !== this.selectedId) return;
      this.messages = this.messages.map((m) => (m.id === message.id ? message : m));
    });
    const offHidden = onEvent('message.hidden', ({ conversationId, messageId }) => {
      if (conversationId !== this.selectedId) return;
      this.messages = this.messages.filter((m) => m.id !== messageId);
    });
    const offTyping = onEvent('typing', ({ conversationId, user, state }) => {
      if (conversationId !== this.selectedId) return;
      const { [user]: _previous, ...others } = this.typing;
      this.typing = state === 'started' ? { ...others, [user]: Date.now() + 10_000 } : others;
    });
    const sweep = setInterval(() => {
      const now = Date.now();
      if (Object.values(this.typing).some((until) => until < now)) {
        this.typing = Object.fromEntries(Object.entries(this.typing).filter(([, until]) => until >= now));
      }
    }, 1000);
    return () => {
      offMessage();
      offUpdated();
      offHidden();
      offTyping();
      clearInterval(sweep);
    };
  }

  /** Marks the conversation read once new messages stop arriving for a moment (at most 300 ms later). */
  private markReadSoon(conversationId: string): void {
    if (this.markReadTimer !== undefined) return;
    this.markReadTimer = setTimeout(() => {
      this.markReadTimer = undefined;
      if (this.selectedId === conversationId) void request('messages.markRead', { conversationId });
    }, 300);
  }

  /** The user is typing: tell the others at most every 3 s, and that they stopped after 5 s idle. */
  userTyped(): void {
    const id = this.selectedId;
    if (!id) return;
    const now = Date.now();
    if (now - this.typingSentAt > 3000) {
      this.typingSentAt = now;
      void request('messages.typing', { conversationId: id, state: 'started' });
    }
    clearTimeout(this.stopTimer);
    this.stopTimer = setTimeout(() => this.userStoppedTyping(), 5000);
  }

  userStoppedTyping(): void {
    clearTimeout(this.stopTimer);
    if (this.typingSentAt === 0 || !this.selectedId) return;
    this.typingSentAt = 0;
    void request('messages.typing', { conversationId: this.selectedId, state: 'stopped' });
  }

  async open(id: string): Promise<void> {
    this.typing = {};
    this.focusMessageId = undefined;
    if (this.selectedId !== id) this.timerMs = 0;
    this.selectedId = id;
    this.messages = [];
    this.hasOlder = false;
    this.error = undefined;
    const result = await request('messages.list', { conversationId: id, limit: PAGE });
    if (this.selectedId !== id) return;
    if (result.ok) {
      this.messages = result.value.messages;
      this.hasOlder = result.value.hasOlder;
    } else this.error = result.error;
    void request('messages.markRead', { conversationId: id });
  }

  /**
   * Opens a conversation at one message (a search result): pages back until that message is
   * loaded, at most `maxPages` pages, then asks the list to bring it into view.
   */
  async openAt(id: string, messageId: string, maxPages = 20): Promise<void> {
    await this.open(id);
    for (let page = 0; page < maxPages && this.selectedId === id && !this.messages.some((m) => m.id === messageId) && this.hasOlder; page++) {
      await this.loadOlder();
    }
    if (this.selectedId === id && this.messages.some((m) => m.id === messageId)) this.focusMessageId = messageId;
  }

  /** Loads the page of history just before the oldest loaded message. */
  async loadOlder(beforePrepend?: () => void): Promise<void> {
    const id = this.selectedId;
    const oldest = this.messages[0];
    if (!id || !oldest || !this.hasOlder || this.loadingOlder) return;
    this.loadingOlder = true;
    try {
      const result = await request('messages.list', { conversationId: id, limit: PAGE, before: oldest.id });
      if (this.selectedId !== id || this.messages[0]?.id !== oldest.id) return;
      if (!result.ok) {
        this.error = result.error;
        return;
      }
      beforePrepend?.();
      this.messages = [...result.value.messages, ...this.messages];
      this.hasOlder = result.value.hasOlder;
    } finally {
      this.loadingOlder = false;
    }
  }

  close(): void {
    this.selectedId = undefined;
    this.messages = [];
    this.hasOlder = false;
  }

  /** Forgets the error shown under the messages (its banner's Dismiss). */
  dismissError(): void {
    this.error = undefined;
  }

  /**
   * Sends a text message, as a reply to `quote` (a message id) and naming `mentions` (UTF-16
   * spans of `text` with `user-uuid@domain`) when given.
   */
  async send(
    text: string,
    extras: { quote?: string; mentions?: ReadonlyArray<{ start: number; length: number; user: string }> } = {},
  ): Promise<boolean> {
    const id = this.selectedId;
    if (!id) return false;
    this.sending = true;
    this.error = undefined;
    this.userStoppedTyping();
    const mentions = coreMentions(extras.mentions ?? []);
    try {
      const result = await request('messages.send', {
        conversationId: id,
        text,
        ...(this.timerMs > 0 ? { timerMs: this.timerMs } : {}),
        ...(extras.quote ? { quote: { messageId: extras.quote } } : {}),
        ...(mentions.length > 0 ? { mentions } : {}),
      });
      // Refused (a degraded conversation, a mention of someone not in it): nothing was stored, the
      // draft stays and the reason is shown. Otherwise the core stored the message as pending and
      // answered at once, whatever the connection; `message.updated` brings "sent" or "Not sent".
      if (!result.ok) {
        if (this.selectedId === id) this.error = result.error;
        return false;
      }
      if (this.selectedId === id && !this.messages.some((m) => m.id === result.value.id)) this.messages = [...this.messages, result.value];
      return true;
    } finally {
      this.sending = false;
    }
  }

  /** Pings everyone in the open conversation (a knock). */
  async knock(): Promise<void> {
    const id = this.selectedId;
    if (!id) return;
    const result = await request('messages.knock', { conversationId: id });
    if (!result.ok) this.error = result.error;
    else this.added(result.value);
  }

  /** Sends a message that was not sent again (same message); its status follows from `message.updated`. */
  async retry(messageId: string): Promise<void> {
    const id = this.selectedId;
    if (!id) return;
    this.error = undefined;
    const result = await request('messages.retry', { conversationId: id, messageId });
    if (!result.ok) this.error = result.error;
    else if (this.selectedId === id) this.messages = this.messages.map((m) => (m.id === messageId ? result.value : m));
  }

  /** Delete for me: the message leaves this device's view of the conversation. */
  async hide(messageId: string): Promise<void> {
    const id = this.selectedId;
    if (!id) return;
    const result = await request('messages.hide', { conversationId: id, messageId });
    if (!result.ok) this.error = result.error;
    else this.messages = this.messages.filter((m) => m.id !== messageId);
  }

  /** A message this device just sent (a file): shown at once if its conversation is open. */
  added(message: StoredMessage): void {
    if (message.conversationId !== this.selectedId || this.messages.some((m) => m.id === message.id)) return;
    this.messages = [...this.messages, message];
  }

  /** Replaces the text of one of this user's messages, with the mentions (UTF-16 spans of `text`) it now has. */
  async edit(messageId: string, text: string, mentions: ReadonlyArray<{ start: number; length: number; user: string }> = []): Promise<boolean> {
    const id = this.selectedId;
    if (!id) return false;
    const result = await request('messages.edit', { conversationId: id, messageId, text, mentions: coreMentions(mentions) });
    if (!result.ok) this.error = result.error;
    else this.messages = this.messages.map((m) => (m.id === messageId ? result.value : m));
    return result.ok;
  }

  async remove(messageId: string): Promise<void> {
    const id = this.selectedId;
    if (!id) return;
    const result = await request('messages.delete', { conversationId: id, messageId });
    if (!result.ok) this.error = result.error;
  }

  async react(messageId: string, emoji: string): Promise<void> {
    const id = this.selectedId;
    if (!id) return;
    const result = await request('messages.react', { conversationId: id, messageId, emoji });
    if (!result.ok) this.error = result.error;
  }

  reset(): void {
    this.close();
  }
}

export const openConversation = new OpenConversationState();
