/**
 * Starting a conversation: find people, open a 1:1 with one, or create a group. The new
 * conversation joins the list and opens.
 */
import type { ErrorInfo, Result } from '../../protocol/result';
import { request } from '../api';
import { conversationList } from './conversationList.svelte';
import { openConversation } from './openConversation.svelte';

export interface PersonResult {
  readonly id: string;
  readonly domain: string;
  readonly name: string;
  readonly handle: string | null;
}

export async function createGroup(name: string, members: readonly PersonResult[]): Promise<ErrorInfo | undefined> {
  const result = await request('conversations.create', { name, members: members.map((m) => ({ id: m.id, domain: m.domain })) });
  if (!result.ok) return result.error;
  await conversationList.load();
  await openConversation.open(result.value.id);
  return undefined;
}

export async function openOneToOne(person: PersonResult): Promise<ErrorInfo | undefined> {
  const result = await request('conversations.openOneToOne', { user: { id: person.id, domain: person.domain } });
  if (!result.ok) return result.error;
  await conversationList.load();
  await openConversation.open(result.value.id);
  return undefined;
}

/** People matching `query`; an error (e.g. `rate-limited` for too many e-mail lookups) as a value. */
export async function searchPeople(query: string): Promise<Result<readonly PersonResult[]>> {
  const result = await request('users.search', { query });
  return result.ok ? { ok: true, value: result.value.users } : result;
}
