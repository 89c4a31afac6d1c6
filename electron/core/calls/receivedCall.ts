/**
 * What a device does with a call message from another device (part of callMachine.ts's step).
 *
 * Multi-device (issue 13; seed 000: every call message reaches every device of the conversation):
 * - the callee's devices all ring; the caller's other devices show the call as ongoing elsewhere
 *   and never ring;
 * - the first answer the caller receives wins; the answer also reaches the callee's other devices
 *   ("Answered on another device") and the caller's other devices, which then stop showing it;
 * - a later answer from another callee device is refused politely: the caller sends it a
 *   `call-reject` with reason `answered-elsewhere`, addressed to that device alone;
 * - a decline or busy notice from one callee device ends the call for the caller and stops the
 *   callee's other devices ringing.
 * Anything else is ignored without effects: a message for an unknown call id, a duplicate, a
 * message from a device that is not in the conversation or not the one the call is with.
 */
import type { CallContent } from '../../../protocol/content/callSchema';
import { missingCase } from '../../../protocol/result';
import type { Call, CallEffect, CallEvent, CallLink, CallsState, CallStep, Description, DeviceRef, EndReason } from './callTypes';
import { emit, end, findCall, isBusy, moveTo, unchanged, withCall } from './callState';
import { inConversation, mayAnswer, mayRefuse, peerOf, sameDevice, sameUser } from './oneToOneRules';
import { checkSdpFingerprint } from './sdpFingerprint';

type Received = Extract<CallEvent, { kind: 'received' }>;
type Content<T extends CallContent['type']> = Extract<CallContent, { type: T }>;

export function receivedCall(state: CallsState, event: Received, now: number): CallStep {
  const { conversation, from, content } = event;
  if (sameDevice(from, state.self) || !inConversation(conversation, from)) return unchanged(state);
  if (content.type === 'call-setup') return setupReceived(state, event, content, now);
  const call = findCall(state, content.callId);
  if (call === undefined) return unknownCall(state, event, content);
  // A call id belongs to one conversation; the same id from another one is not this call.
  if (call.conversationId !== conversation.id) return unchanged(state);
  switch (content.type) {
    case 'call-answer':
      return answerReceived(state, call, from, content, now);
    case 'call-reject':
      return rejectReceived(state, call, from, content, now);
    case 'call-cancel': {
      if (!sameDevice(from, call.caller)) return unchanged(state);
      const phase = call.state.phase;
      if (phase === 'incoming' || phase === 'elsewhere') return end(state, call, { kind: 'cancelled' }, now);
      // The caller gave up just as this device answered: not a missed call, a call that never connected.
      if (phase === 'connecting') return end(state, call, { kind: 'completed', durationMs: null }, now);
      return unchanged(state);
    }
    case 'call-hangup':
      return withRemote(state, call, from, () =>
        end(state, call, { kind: 'completed', durationMs: call.state.phase === 'active' ? now - call.state.since : null }, now),
      );
    case 'call-media':
      return withRemote(state, call, from, (link) => {
        const updated = { ...call, state: { ...call.state, ...link, peerMedia: { muted: content.muted, cameraOff: content.cameraOff, sharing: content.sharing } } };
        return { state: withCall(state, updated), effects: [emit(updated)] };
      });
    case 'call-ice-restart':
      return withRemote(state, call, from, (link) => restartReceived(state, call, link, content, now));
    default:
      return missingCase(content);
  }
}

/**
 * An end that arrives before its setup (out of order) is remembered, so the setup does not ring
 * when it comes; every other message about a call this device never saw is ignored.
 */
function unknownCall(state: CallsState, event: Received, content: CallContent): CallStep {
  if ((content.type !== 'call-cancel' && content.type !== 'call-hangup') || peerOf(event.conversation, state.self.user) === undefined) {
    return unchanged(state);
  }
  return { state: rememberEnded(state, content.callId), effects: [] };
}

function rememberEnded(state: CallsState, callId: string): CallsState {
  const id = callId.toLowerCase();
  if (state.endedUnseen.includes(id)) return state;
  return { ...state, endedUnseen: [...state.endedUnseen, id].slice(-state.config.endedKept) };
}

function setupReceived(state: CallsState, event: Received, setup: Content<'call-setup'>, now: number): CallStep {
  const callId = setup.callId.toLowerCase();
  const peer = peerOf(event.conversation, state.self.user);
  if (peer === undefined || findCall(state, callId) !== undefined || state.endedUnseen.includes(callId)) return unchanged(state);
  const own = sameUser(event.from.user, state.self.user);
  const age = Math.max(0, now - event.sentAt);
  const stale = age >= state.config.ringMs;
  // A setup of this user's own device that is already past ringing tells this device nothing to show.
  if (own && stale) return { state: rememberEnded(state, callId), effects: [] };
  const base = {
    callId,
    conversationId: event.conversation.id,
    direction: own ? ('outgoing' as const) : ('incoming' as const),
    caller: event.from,
    peer,
    media: setup.media,
    cbr: setup.cbr,
    setupAt: event.sentAt,
  };
  const ringLeft = state.config.ringMs - age;
  const offer = { sdp: setup.sdp, fingerprint: setup.fingerprint };
  const call: Call = { ...base, state: own ? { phase: 'elsewhere', since: now } : { phase: 'incoming', since: now, offer } };
  const show = (from: CallsState, before: readonly CallEffect[] = []): CallStep =>
    own
      ? { state: withCall(from, call), effects: [...before, { kind: 'start-timer', callId, timer: 'ring', ms: ringLeft }, emit(call)] }
      : ring(from, call, offer, ringLeft, before);
  if (!own) {
    // Seed 003 / seed 002 "Calling / Encryption": the fingerprint the E2EE message vouches for must
    // be the certificate the SDP makes the browser check, or the binding to the identity is void.
    if (!checkSdpFingerprint(setup.sdp, setup.fingerprint).ok) return end(state, call, { kind: 'failed', code: 'fingerprint-mismatch' }, now);
    if (stale) return end(state, call, { kind: 'no-answer' }, now);
  }
  const crossing = state.calls.find(
    (c) => c.conversationId === call.conversationId && ['outgoing', 'incoming', 'elsewhere'].includes(c.state.phase) && !sameUser(c.caller.user, call.caller.user),
  );
  if (crossing !== undefined) {
    if (crossing.callId < callId) return { state: rememberEnded(state, callId), effects: [] };
    const dropped = dropCrossed(state, crossing, now);
    return show(dropped.state, dropped.effects);
  }
  if (!own && isBusy(state)) {
    const busy: CallEffect = { kind: 'send', conversationId: call.conversationId, content: { type: 'call-reject', callId, reason: 'busy' } };
    return end(state, call, { kind: 'busy' }, now, [busy]);
  }
  return show(state);
}

/** This device rings for `call`: timer, the offer for the renderer, a notification, call.state. */
function ring(state: CallsState, call: Call, offer: Description, ringLeft: number, before: readonly CallEffect[] = []): CallStep {
  return {
    state: withCall(state, call),
    effects: [
      ...before,
      { kind: 'start-timer', callId: call.callId, timer: 'ring', ms: ringLeft },
      { kind: 'remote-description', callId: call.callId, type: 'offer', sdp: offer.sdp, fingerprint: offer.fingerprint },
      { kind: 'notify', conversationId: call.conversationId, callId: call.callId, peer: call.peer, notice: 'incoming-call', media: call.media },
      emit(call),
    ],
  };
}

/**
 * Both people called each other at the same moment (two calls ringing in one conversation, one
 * from each side). Rather than each answering the other "busy", every device keeps the call with
 * the smaller id: its caller goes on ringing out, the other caller cancels its own call and rings
 * for the kept one, and every other device drops the larger call quietly. No history line and no
 * notification for the dropped call: to the people it was one call.
 */
function dropCrossed(state: CallsState, dropped: Call, now: number): CallStep {
  const cancel: CallEffect[] = sameDevice(dropped.caller, state.self)
    ? [{ kind: 'send', conversationId: dropped.conversationId, content: { type: 'call-cancel', callId: dropped.callId } }]
    : [];
  return moveTo(state, dropped, { phase: 'ended', since: now, reason: { kind: 'cancelled' } }, cancel);
}

function answerReceived(state: CallsState, call: Call, from: DeviceRef, answer: Content<'call-answer'>, now: number): CallStep {
  const s = call.state;
  switch (s.phase) {
    case 'outgoing': {
      if (!mayAnswer(call, from)) return unchanged(state);
      if (!checkSdpFingerprint(answer.sdp, answer.fingerprint).ok) {
        // The answering device is connecting: tell it to stop rather than let it wait out its timer.
        return end(state, call, { kind: 'failed', code: 'fingerprint-mismatch' }, now, [hangupOf(call)]);
      }
      const link: CallLink = {
        remote: from,
        remoteFingerprint: answer.fingerprint,
        local: s.local,
        restart: 'none',
        peerMedia: { muted: false, cameraOff: call.media === 'audio', sharing: false },
      };
      return moveTo(state, { ...call, cbr: call.cbr || answer.cbr }, { phase: 'connecting', since: now, ...link }, [
        { kind: 'remote-description', callId: call.callId, type: 'answer', sdp: answer.sdp, fingerprint: answer.fingerprint },
      ]);
    }
    case 'connecting':
    case 'active': {
      // This device is the caller and already took another answer: refuse the late one, to that device only.
      const late = sameDevice(call.caller, state.self) && mayAnswer(call, from) && !sameDevice(from, s.remote);
      if (!late) return unchanged(state);
      const to = { user: { id: from.user.id, domain: from.user.domain }, clientId: from.clientId };
      return {
        state,
        effects: [{ kind: 'send', conversationId: call.conversationId, content: { type: 'call-reject', callId: call.callId, reason: 'answered-elsewhere', to } }],
      };
    }
    case 'incoming':
      // Another device of this user took the call.
      return sameUser(from.user, state.self.user) ? end(state, call, { kind: 'answered-elsewhere' }, now) : unchanged(state);
    case 'elsewhere':
      // The caller's other devices: the call now runs between two other devices.
      return mayAnswer(call, from) ? end(state, call, { kind: 'answered-elsewhere' }, now) : unchanged(state);
    case 'ended':
      return unchanged(state);
    default:
      return missingCase(s);
  }
}

function rejectReceived(state: CallsState, call: Call, from: DeviceRef, reject: Content<'call-reject'>, now: number): CallStep {
  const phase = call.state.phase;
  switch (reject.reason) {
    case 'answered-elsewhere': {
      // Only the device it names listens, and only to the caller.
      const forMe = reject.to !== undefined && sameDevice(reject.to, state.self);
      return forMe && phase === 'connecting' && sameDevice(from, call.caller) ? end(state, call, { kind: 'answered-elsewhere' }, now) : unchanged(state);
    }
    case 'declined':
    case 'busy': {
      const reason: EndReason = { kind: reject.reason };
      if ((phase === 'outgoing' || phase === 'elsewhere') && mayRefuse(call, from)) return end(state, call, reason, now);
      // This user declined (or was busy) on another device: stop ringing here too.
      if (phase === 'incoming' && sameUser(from.user, state.self.user)) return end(state, call, reason, now);
      return unchanged(state);
    }
    default:
      return missingCase(reject.reason);
  }
}

function restartReceived(state: CallsState, call: Call, link: CallLink, restart: Content<'call-ice-restart'>, now: number): CallStep {
  const sameCertificate =
    restart.fingerprint.algorithm === link.remoteFingerprint.algorithm && restart.fingerprint.value === link.remoteFingerprint.value;
  if (!sameCertificate || !checkSdpFingerprint(restart.sdp, restart.fingerprint).ok) {
    // A new certificate in the middle of a call is an attempt to re-key the media to someone else.
    return end(state, call, { kind: 'failed', code: 'fingerprint-mismatch' }, now, [hangupOf(call)]);
  }
  const deliver = (type: 'offer' | 'answer', next: CallLink['restart']): CallStep => {
    const updated = { ...call, state: { ...call.state, ...link, restart: next } };
    return { state: withCall(state, updated), effects: [{ kind: 'remote-description', callId: call.callId, type, sdp: restart.sdp, fingerprint: restart.fingerprint }] };
  };
  if (restart.kind === 'answer') return link.restart === 'offered' ? deliver('answer', 'none') : unchanged(state);
  // Both sides offered at once (glare): the caller's offer wins, the callee drops its own and answers.
  if (link.restart === 'offered' && sameDevice(call.caller, state.self)) return unchanged(state);
  return deliver('offer', 'answering');
}

/** Runs `then` only if `from` is the device this call is connected with. */
function withRemote(state: CallsState, call: Call, from: DeviceRef, then: (link: CallLink) => CallStep): CallStep {
  const s = call.state;
  if ((s.phase !== 'connecting' && s.phase !== 'active') || !sameDevice(from, s.remote)) return unchanged(state);
  return then(s);
}

function hangupOf(call: Call): CallEffect {
  return { kind: 'send', conversationId: call.conversationId, content: { type: 'call-hangup', callId: call.callId } };
}
