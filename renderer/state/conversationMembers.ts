/**
 * Who is in the open conversation and how far they are trusted: members (add, remove, leave),
 * their devices and fingerprints, and "send anyway" for a degraded conversation. Each change is
 * followed by the conversation list (the core also announces it with `conversation.changed`).
 */
import type { ConversationDevice } from '../../electron/core/ipc/contract';
import type { ErrorInfo } from '../../protocol/result';
import { request } from '../api';
import { splitQualified } from '../lib/qualified';
import { conversationList } from './conversationList.svelte';
import { openConversation } from './openConversation.svelte';
import type { PersonResult } from './startConversation';

export async function members(): Promise<ReadonlyArray<{ id: string; name: string | null; role: 'admin' | 'member' }>> {
  const id = openConversation.selectedId;
  if (!id) return [];
  const result = await request('conversations.members', { conversationId: id });
  return result.ok ? result.value.members : [];
}

/** Every device in the open conversation's MLS group, with fingerprints and verified flags. */
export async function devices(): Promise<{ devices: readonly ConversationDevice[]; error?: ErrorInfo }> {
  const id = openConversation.selectedId;
  if (!id) return { devices: [] };
  const result = await request('conversations.devices', { conversationId: id });
  return result.ok ? { devices: result.value.devices } : { devices: [], error: result.error };
}

/** Marks a device verified (or not) after the user compared its fingerprint. */
export async function verifyDevice(device: ConversationDevice, verified: boolean): Promise<ErrorInfo | undefined> {
  const user = splitQualified(device.user);
  if (!user) return undefined;
  const result = await request('devices.verify', { user, clientId: device.clientId, fingerprint: device.fingerprint, verified });
  await conversationList.load();
  return result.ok ? undefined : result.error;
}

/** "Send anyway": a degraded conversation becomes non-verified and sending works again. */
export async function acceptDegraded(): Promise<void> {
  const id = openConversation.selectedId;
  if (!id) return;
  const result = await request('conversations.acceptDegraded', { conversationId: id });
  openConversation.error = result.ok ? undefined : result.error;
  await conversationList.load();
}

export async function addMember(person: PersonResult): Promise<ErrorInfo | undefined> {
  const id = openConversation.selectedId;
  if (!id) return undefined;
  const result = await request('conversations.addMembers', { conversationId: id, members: [{ id: person.id, domain: person.domain }] });
  await conversationList.load();
  return result.ok ? undefined : result.error;
}

export async function removeMember(qualifiedId: string): Promise<ErrorInfo | undefined> {
  const id = openConversation.selectedId;
  const member = splitQualified(qualifiedId);
  if (!id || !member) return undefined;
  const result = await request('conversations.removeMember', { conversationId: id, member });
  await conversationList.load();
  return result.ok ? undefined : result.error;
}

export async function leave(): Promise<ErrorInfo | undefined> {
  const id = openConversation.selectedId;
  if (!id) return undefined;
  const result = await request('conversations.leave', { conversationId: id });
  await conversationList.load();
  return result.ok ? undefined : result.error;
}
