/**
 * The 1:1 specifics of the call machine, kept in one place so a conference machine (issue 14)
 * can bring its own: which conversations have calls, who the other party is, who may answer,
 * and that the first answer wins. Everything else in callMachine.ts is about one device's calls
 * whatever their size.
 */
import type { Call, CallConversation, DeviceRef, UserRef } from './callTypes';

export const sameUser = (a: UserRef, b: UserRef): boolean => a.id === b.id && a.domain === b.domain;
export const sameDevice = (a: DeviceRef, b: DeviceRef): boolean => sameUser(a.user, b.user) && a.clientId === b.clientId;

/** Whether `device` is one of the conversation's devices right now (its MLS group's members). */
export function inConversation(conversation: CallConversation, device: DeviceRef): boolean {
  return conversation.devices.some((d) => sameDevice(d, device));
}

/**
 * The other user of a one-to-one conversation, or undefined when the conversation has no 1:1
 * calls (a group: issue 14; the self-conversation; or a 1:1 whose devices name more than one
 * other user, which a correct server never produces).
 */
export function peerOf(conversation: CallConversation, self: UserRef): UserRef | undefined {
  if (conversation.kind !== 'one-to-one') return undefined;
  const others = conversation.devices.map((d) => d.user).filter((u) => !sameUser(u, self));
  const first = others[0];
  if (first === undefined || others.some((u) => !sameUser(u, first))) return undefined;
  return first;
}

/** Only the callee's devices answer; the caller's own other devices never do. */
export function mayAnswer(call: Call, from: DeviceRef): boolean {
  return sameUser(from.user, call.peer);
}

/** Declines and busy notices that end a ringing call come from the other user's devices. */
export function mayRefuse(call: Call, from: DeviceRef): boolean {
  return sameUser(from.user, call.peer);
}
