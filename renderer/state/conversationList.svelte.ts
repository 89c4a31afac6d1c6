/**
 * The conversation list: one summary per conversation, newest activity first. Follows
 * `conversation.changed`: a change that carries the conversation's summary patches that row
 * (lib/conversationChange.ts); one without it reads the list again. The core has no request for
 * a single conversation's summary yet, so a reload is the fallback; reloads asked for while one
 * runs are folded into one more.
 */
import type { ConversationSummary } from '../../electron/core/ipc/contract';
import { missingCase } from '../lib/missingCase';
import { onEvent, request } from '../api';
import type { ConversationChange } from '../lib/conversationChange';
import { applyConversationChange } from '../lib/conversationChange';

class ConversationListState {
  items = $state<readonly ConversationSummary[]>([]);
  private loading: Promise<void> | undefined;
  private again = false;
  /** Changes patched in while a load ran: applied again to what it read, which may predate them. */
  private patchedDuringLoad: ConversationChange[] = [];

  byId(id: string | undefined): ConversationSummary | undefined {
    return id === undefined ? undefined : this.items.find((c) => c.id === id);
  }

  /** Reads every conversation; resolves once the list is at least as new as when this was called. */
  load(): Promise<void> {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = this.loadUntilSettled().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async loadUntilSettled(): Promise<void> {
    do {
      this.again = false;
      this.patchedDuringLoad = [];
      const result = await request('conversations.list', {});
      if (!result.ok) continue;
      let list: readonly ConversationSummary[] = result.value.conversations;
      for (const change of this.patchedDuringLoad) {
        const update = applyConversationChange(list, change);
        if (update.kind === 'patched') list = update.list;
      }
      this.items = list;
    } while (this.again);
    this.patchedDuringLoad = [];
  }

  /** One `conversation.changed`: patch the row it carries, or read the list again. */
  changed(change: ConversationChange): void {
    const update = applyConversationChange(this.items, change);
    switch (update.kind) {
      case 'patched':
        this.items = update.list;
        if (this.loading) this.patchedDuringLoad.push(change);
        return;
      case 'reload':
        void this.load();
        return;
      default:
        missingCase(update);
    }
  }

  follow(): () => void {
    return onEvent('conversation.changed', (change) => this.changed(change));
  }

  reset(): void {
    this.items = [];
  }
}

export const conversationList = new ConversationListState();
