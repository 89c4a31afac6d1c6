/**
 * The conversation as the call machine needs it (callTypes.ts `CallConversation`): its kind, as
 * stored from the server's view, and its devices, from the MLS group as stored now. The devices
 * come from the group rather than from the server's member list: a call message from a device
 * that is not in the group is ignored, and only the group's members can derive the call's frame
 * keys (callKeys.ts).
 */
import type { CallConversation, DeviceRef } from '../../calls/callTypes';
import type { MlsEngine } from '../../crypto/mls/mlsEngine';
import { conversationKind } from '../../store/conversations';
import { groupEpoch } from '../../store/groups';
import type { ReadableDB } from '../../store/handles';
import type { GroupSession } from '../groupSession';

/** Undefined when this device has no such conversation; `devices` is empty when it holds no group for it. */
export function readCallConversation(groups: GroupSession, engine: MlsEngine, conversationId: string): CallConversation | undefined {
  const kind = conversationKind(groups.device.db, conversationId);
  if (kind === undefined) return undefined;
  if (!groups.holds(conversationId)) return { id: conversationId, kind, devices: [] };
  const devices: DeviceRef[] = engine
    .members(groups.group(engine, conversationId))
    .map((m) => ({ user: { id: m.identity.userId, domain: m.identity.domain }, clientId: m.identity.clientId }));
  return { id: conversationId, kind, devices };
}

/** The epoch of the conversation's group as stored, or undefined without one. */
export function storedEpoch(db: ReadableDB, conversationId: string): number | undefined {
  return groupEpoch(db, conversationId);
}
