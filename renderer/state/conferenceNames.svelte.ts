/**
 * Names for the conference tiles: the members of the conference's conversation as the core
 * knows them (`conversations.members`), read again when someone new shows up in the call.
 * A participant the list does not name yet shows its user id until it does.
 */
import { request } from '../api';

class ConferenceNames {
  #names = $state<ReadonlyMap<string, string>>(new Map());
  #loaded = new Set<string>();

  nameOf(user: Readonly<{ id: string; domain: string }>): string {
    return this.#names.get(`${user.id}@${user.domain}`) ?? user.id;
  }

  /** Loads the names of a conversation's members once, or again when `missing` users are not named yet. */
  async load(conversationId: string, users: readonly Readonly<{ id: string; domain: string }>[]): Promise<void> {
    const missing = users.some((u) => !this.#names.has(`${u.id}@${u.domain}`));
    if (this.#loaded.has(conversationId) && !missing) return;
    this.#loaded.add(conversationId);
    const result = await request('conversations.members', { conversationId });
    if (!result.ok) return;
    const named = result.value.members.flatMap((member): [string, string][] => (member.name === null ? [] : [[member.id, member.name]]));
    this.#names = new Map([...this.#names, ...named]);
  }
}

export const conferenceNames = new ConferenceNames();
