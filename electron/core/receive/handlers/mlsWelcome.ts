import type { Conversation } from '../../../../protocol/api/conversations';
import { fromBase64, value } from '../../session/device';
import { keyPackage } from '../../store/device';
import { groupEpoch } from '../../store/groups';
import type { EventOf, Effects, ReceiveContext } from '../context';
import type { Effect } from '../effects';

/**
 * This device was added to a group: it joins from the Welcome with the key package the Welcome
 * names, stores the conversation and the group, and uses that key package up.
 */
export async function mlsWelcome(context: ReceiveContext, event: EventOf<'conversation.mls-welcome'>): Promise<Effects> {
  const { db, api } = context.device;
  const conversationId = event.conversation.id;
  const welcome = fromBase64(event.data);
  const engine = await context.groups.mls();
  const refs = value(engine.welcomeKeyPackageRefs(welcome));
  const match = refs.map((ref) => ({ ref, data: keyPackage(db, ref) })).find((r): r is { ref: Uint8Array; data: Uint8Array } => r.data !== undefined);
  if (!match) {
    context.log.warn('a Welcome named none of our key packages; ignored', { conversationId });
    return [];
  }
  const group = value(await engine.joinFromWelcome(welcome, match.data));
  const status = engine.status(group);
  const held = groupEpoch(db, conversationId);
  if (held !== undefined && held >= Number(status.epoch)) {
    // This device rejoined by external commit after the Welcome was sent (resync.ts): keep the newer group.
    context.log.info('a Welcome older than the group this device holds; ignored', { conversationId });
    return [];
  }
  const conversation: Conversation = await api.call('getConversation', { params: { conv: conversationId } });
  const profiles = await context.groups.profiles(conversation);
  const now = Date.now();
  const effects: Effect[] = [
    { kind: 'save-conversation', conversation, profiles },
    { kind: 'save-group', conversationId, groupId: status.groupId, epoch: status.epoch, state: engine.encodeGroupState(group), at: now },
    { kind: 'use-key-package', ref: match.ref },
  ];
  // A user's further device joins by external commit, never by Welcome, so a Welcome means this
  // user was added — to an existing group when it is past the creator's first commit (epoch 1,
  // which brings in everyone the conversation was created with: not announced).
  if (status.epoch > 1n) effects.push({ kind: 'own-membership', conversationId, key: `welcome-${status.epoch}`, change: { kind: 'added' }, at: now });
  effects.push({ kind: 'track-devices', conversationId, members: engine.members(group) });
  return effects;
}
