/**
 * Mute and archive for the conversation list, and whether the list shows the archived
 * conversations. The core keeps both per conversation and announces the change with
 * `conversation.changed`; the list is read again here too so the row updates at once.
 */
import type { ErrorInfo } from '../../protocol/result';
import { request } from '../api';
import { conversationList } from './conversationList.svelte';

const HOUR = 3600_000;

/** "Always": a mute that never ends (the core takes any far-future time). */
export const MUTE_ALWAYS = Number.MAX_SAFE_INTEGER;

/** The mute choices the menu offers, as durations from now (Signal's set). */
export const MUTE_CHOICES = [
  { key: 'conversations.mute1h', ms: HOUR },
  { key: 'conversations.mute8h', ms: 8 * HOUR },
  { key: 'conversations.mute1w', ms: 7 * 24 * HOUR },
  { key: 'conversations.muteAlways', ms: null },
] as const;

/** A mute ending more than ten years from now is shown as "always". */
export function mutedForever(until: number): boolean {
  return until - Date.now() > 10 * 365 * 24 * HOUR;
}

class ConversationFolders {
  showArchived = $state(false);
  error = $state<ErrorInfo | undefined>(undefined);

  /** Mutes for `ms` from now (null: always), or unmutes with `unmute`. */
  async mute(conversationId: string, ms: number | null): Promise<void> {
    await this.run(() => request('conversations.setMuted', { conversationId, until: ms === null ? MUTE_ALWAYS : Date.now() + ms }));
  }

  async unmute(conversationId: string): Promise<void> {
    await this.run(() => request('conversations.setMuted', { conversationId, until: null }));
  }

  async archive(conversationId: string, archived: boolean): Promise<void> {
    await this.run(() => request('conversations.setArchived', { conversationId, archived }));
  }

  private async run(action: () => Promise<{ ok: true } | { ok: false; error: ErrorInfo }>): Promise<void> {
    this.error = undefined;
    const result = await action();
    if (!result.ok) this.error = result.error;
    await conversationList.load();
  }
}

export const conversationFolders = new ConversationFolders();
