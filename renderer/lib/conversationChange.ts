/**
 * What the conversation list does with one `conversation.changed` event. A change that carries
 * the conversation's summary patches that row where it is (a message in one conversation must
 * not make the renderer read every conversation again); a change without one, or one for every
 * conversation (`id: '*'`, a restored backup), needs the list read again.
 */
import type { ConversationSummary } from '../../electron/core/ipc/contract';

export type ConversationChange = Readonly<{ id: string; summary?: ConversationSummary | undefined }>;

export type ListUpdate =
  | Readonly<{ kind: 'patched'; list: readonly ConversationSummary[] }>
  | Readonly<{ kind: 'reload' }>;

/**
 * The list after `change`: the summary replaces its row (or joins the list, a conversation just
 * created or joined), and the list keeps the core's order, newest activity first. The sort is
 * stable, so rows with the same activity time stay where the core put them.
 */
export function applyConversationChange(list: readonly ConversationSummary[], change: ConversationChange): ListUpdate {
  const { summary } = change;
  if (change.id === '*' || !summary || summary.id !== change.id) return { kind: 'reload' };
  const known = list.some((c) => c.id === summary.id);
  const replaced = known ? list.map((c) => (c.id === summary.id ? summary : c)) : [summary, ...list];
  const patched = replaced.sort((a, b) => b.lastActivityAt - a.lastActivityAt);
  return { kind: 'patched', list: patched };
}
