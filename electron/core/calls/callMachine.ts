/**
 * The call state machine of one device (issue 13): `step(state, event, now) → { state, effects }`.
 * Pure: no clock, no timers, no network, no randomness. The core feeds it the user's actions, the
 * renderer's reports about the peer connection, fired timers and decrypted call messages, and
 * carries out the effects it returns (send a call message, start or stop a timer, write a history
 * line, notify, emit `call.state`, hand an SDP to the renderer) in the order given.
 *
 * Call state lives only on the clients (seed 000, "Call state": "Different clients may have
 * different call states. This is expected"): every device keeps its own machine and learns about
 * the others only from the E2EE messages every device of the conversation receives. The 1:1 rules
 * are in oneToOneRules.ts; messages from other devices are handled in receivedCall.ts.
 *
 * Contract for the core:
 * - Feed `received` only for content that decrypted and authenticated in the conversation, with
 *   the MLS sender as `from` and the conversation's current devices; the machine ignores the rest.
 * - `sentAt` should be the server's time of the message where known (the sender's clock otherwise):
 *   a setup older than the ring time never rings (a device coming back online after an hour
 *   records a missed call instead).
 * - A timer effect names the call and the timer; when it fires, feed `{ kind: 'timer' }`. A timer
 *   of a call that moved on may still fire: the machine ignores it.
 */
import { missingCase } from '../../../protocol/result';
import type { Call, CallEffect, CallEvent, CallMachineConfig, CallsState, CallStep, DeviceRef } from './callTypes';
import { DEFAULT_CALL_CONFIG } from './callTypes';
import { emit, end, findCall, isBusy, moveTo, refuse, unchanged, withCall } from './callState';
import { receivedCall } from './receivedCall';
import { peerOf } from './oneToOneRules';
import { checkSdpFingerprint } from './sdpFingerprint';

export function initialCallsState(self: DeviceRef, config: Partial<CallMachineConfig> = {}): CallsState {
  return { self, config: { ...DEFAULT_CALL_CONFIG, ...config }, calls: [], endedUnseen: [] };
}

export function step(state: CallsState, event: CallEvent, now: number): CallStep {
  switch (event.kind) {
    case 'received':
      return receivedCall(state, event, now);
    case 'start':
      return start(state, event, now);
    case 'accept':
      return accept(state, event, now);
    case 'decline':
      return decline(state, event.callId, now);
    case 'hang-up':
      return hangUp(state, event.callId, event.dataChannelOpen, now);
    case 'connected':
      return connected(state, event.callId, now);
    case 'connection-failed':
      return failed(state, event.callId, event.code, now);
    case 'peer-hung-up':
      return peerHungUp(state, event.callId, now);
    case 'media-changed':
      return mediaChanged(state, event.callId, event.media);
    case 'peer-media':
      return peerMedia(state, event.callId, event.media);
    case 'ice-restart':
      return iceRestart(state, event.callId, event.role, event.description);
    case 'timer':
      return timerFired(state, event.callId, event.timer, now);
    default:
      return missingCase(event);
  }
}

type Event<K extends CallEvent['kind']> = Extract<CallEvent, { kind: K }>;

function start(state: CallsState, event: Event<'start'>, now: number): CallStep {
  const callId = event.callId.toLowerCase();
  if (findCall(state, callId) || state.endedUnseen.includes(callId)) return refuse(state, callId, 'call-exists');
  const peer = peerOf(event.conversation, state.self.user);
  if (peer === undefined) return refuse(state, callId, 'call-no-calls-here');
  if (isBusy(state)) return refuse(state, callId, 'call-busy');
  // The renderer's own offer must name the certificate it claims, or the peer would refuse it.
  if (!checkSdpFingerprint(event.offer.sdp, event.offer.fingerprint).ok) return refuse(state, callId, 'call-bad-description');
  const call: Call = {
    callId,
    conversationId: event.conversation.id,
    direction: 'outgoing',
    caller: state.self,
    peer,
    media: event.media,
    cbr: event.cbr,
    setupAt: now,
    state: { phase: 'outgoing', since: now, local: event.offer },
  };
  const setup: CallEffect = {
    kind: 'send',
    conversationId: call.conversationId,
    content: { type: 'call-setup', callId, sdp: event.offer.sdp, fingerprint: event.offer.fingerprint, media: event.media, cbr: event.cbr },
  };
  return {
    state: withCall(state, call),
    effects: [setup, { kind: 'start-timer', callId, timer: 'ring', ms: state.config.ringMs }, emit(call)],
  };
}

function accept(state: CallsState, event: Event<'accept'>, now: number): CallStep {
  const call = findCall(state, event.callId);
  if (call === undefined) return refuse(state, event.callId, 'call-not-found');
  if (call.state.phase !== 'incoming') return refuse(state, call.callId, 'call-not-ringing');
  if (state.calls.some((c) => c.callId !== call.callId && (c.state.phase === 'connecting' || c.state.phase === 'active'))) {
    return refuse(state, call.callId, 'call-busy');
  }
  if (!checkSdpFingerprint(event.answer.sdp, event.answer.fingerprint).ok) return refuse(state, call.callId, 'call-bad-description');
  const cbr = call.cbr || event.cbr;
  const answer = {
    kind: 'send' as const,
    conversationId: call.conversationId,
    content: { type: 'call-answer' as const, callId: call.callId, sdp: event.answer.sdp, fingerprint: event.answer.fingerprint, cbr: event.cbr },
  };
  return moveTo(
    state,
    { ...call, cbr },
    {
      phase: 'connecting',
      since: now,
      remote: call.caller,
      remoteFingerprint: call.state.offer.fingerprint,
      local: event.answer,
      restart: 'none',
      peerMedia: { muted: false, cameraOff: call.media === 'audio', sharing: false },
    },
    [answer],
  );
}

function decline(state: CallsState, callId: string, now: number): CallStep {
  const call = findCall(state, callId);
  if (call === undefined) return refuse(state, callId, 'call-not-found');
  if (call.state.phase !== 'incoming') return refuse(state, call.callId, 'call-not-ringing');
  // Sent to the whole conversation: the caller stops ringing out, this user's other devices stop ringing.
  const reject = { kind: 'send' as const, conversationId: call.conversationId, content: { type: 'call-reject' as const, callId: call.callId, reason: 'declined' as const } };
  return end(state, call, { kind: 'declined' }, now, [reject]);
}

function hangUp(state: CallsState, callId: string, dataChannelOpen: boolean, now: number): CallStep {
  const call = findCall(state, callId);
  if (call === undefined) return refuse(state, callId, 'call-not-found');
  const s = call.state;
  switch (s.phase) {
    case 'outgoing': {
      const cancel = { kind: 'send' as const, conversationId: call.conversationId, content: { type: 'call-cancel' as const, callId: call.callId } };
      return end(state, call, { kind: 'cancelled' }, now, [cancel]);
    }
    case 'incoming':
      return decline(state, callId, now);
    case 'connecting':
    case 'active': {
      // Seed 000: hang-up goes peer to peer in the media session, so the server does not see when
      // calls end; the E2EE message only when that channel is gone.
      const fallback = dataChannelOpen
        ? []
        : [{ kind: 'send' as const, conversationId: call.conversationId, content: { type: 'call-hangup' as const, callId: call.callId } }];
      return end(state, call, { kind: 'completed', durationMs: s.phase === 'active' ? now - s.since : null }, now, fallback);
    }
    case 'elsewhere':
    case 'ended':
      return refuse(state, call.callId, 'call-not-found');
    default:
      return missingCase(s);
  }
}

function connected(state: CallsState, callId: string, now: number): CallStep {
  const call = findCall(state, callId);
  if (call?.state.phase !== 'connecting') return unchanged(state);
  return moveTo(state, call, { ...call.state, phase: 'active', since: now });
}

function failed(state: CallsState, callId: string, code: 'ice-failed' | 'dtls-failed', now: number): CallStep {
  const call = findCall(state, callId);
  if (call?.state.phase !== 'connecting' && call?.state.phase !== 'active') return unchanged(state);
  return end(state, call, { kind: 'failed', code }, now);
}

function peerHungUp(state: CallsState, callId: string, now: number): CallStep {
  const call = findCall(state, callId);
  if (call === undefined) return unchanged(state);
  const s = call.state;
  if (s.phase !== 'connecting' && s.phase !== 'active') return unchanged(state);
  return end(state, call, { kind: 'completed', durationMs: s.phase === 'active' ? now - s.since : null }, now);
}

function mediaChanged(state: CallsState, callId: string, media: Event<'media-changed'>['media']): CallStep {
  const call = findCall(state, callId);
  if (call === undefined) return refuse(state, callId, 'call-not-found');
  if (call.state.phase !== 'connecting' && call.state.phase !== 'active') return refuse(state, call.callId, 'call-not-connected');
  return {
    state,
    effects: [{ kind: 'send', conversationId: call.conversationId, content: { type: 'call-media', callId: call.callId, ...media } }],
  };
}

/** The data channel told the peer's media state: shown like a `call-media` message from the peer. */
function peerMedia(state: CallsState, callId: string, media: Event<'peer-media'>['media']): CallStep {
  const call = findCall(state, callId);
  if (call === undefined) return unchanged(state);
  const s = call.state;
  if (s.phase !== 'connecting' && s.phase !== 'active') return unchanged(state);
  const updated = { ...call, state: { ...s, peerMedia: { muted: media.muted, cameraOff: media.cameraOff, sharing: media.sharing } } };
  return { state: withCall(state, updated), effects: [emit(updated)] };
}

function iceRestart(state: CallsState, callId: string, role: 'offer' | 'answer', description: Event<'ice-restart'>['description']): CallStep {
  const call = findCall(state, callId);
  if (call === undefined) return refuse(state, callId, 'call-not-found');
  const s = call.state;
  if (s.phase !== 'active' && s.phase !== 'connecting') return refuse(state, call.callId, 'call-not-connected');
  // The certificate is the call's: a restart that names another would be refused by the peer.
  if (!checkSdpFingerprint(description.sdp, description.fingerprint).ok || description.fingerprint.algorithm !== s.local.fingerprint.algorithm || description.fingerprint.value !== s.local.fingerprint.value) {
    return refuse(state, call.callId, 'call-bad-description');
  }
  if (role === 'answer' && s.restart !== 'answering') return unchanged(state);
  if (role === 'offer' && s.restart !== 'none') return unchanged(state);
  const send = {
    kind: 'send' as const,
    conversationId: call.conversationId,
    content: { type: 'call-ice-restart' as const, callId: call.callId, kind: role, sdp: description.sdp, fingerprint: description.fingerprint },
  };
  const next = { ...s, restart: role === 'offer' ? ('offered' as const) : ('none' as const) };
  const updated = { ...call, state: next };
  return { state: withCall(state, updated), effects: [send, emit(updated)] };
}

function timerFired(state: CallsState, callId: string, timer: 'ring' | 'connect', now: number): CallStep {
  const call = findCall(state, callId);
  if (call === undefined) return unchanged(state);
  const phase = call.state.phase;
  if (timer === 'ring' && phase === 'outgoing') {
    // Tell the callee's devices too, so they stop ringing at the same moment rather than on their own clocks.
    const cancel = { kind: 'send' as const, conversationId: call.conversationId, content: { type: 'call-cancel' as const, callId: call.callId } };
    return end(state, call, { kind: 'no-answer' }, now, [cancel]);
  }
  if (timer === 'ring' && (phase === 'incoming' || phase === 'elsewhere')) return end(state, call, { kind: 'no-answer' }, now);
  if (timer === 'connect' && phase === 'connecting') {
    const hangup = { kind: 'send' as const, conversationId: call.conversationId, content: { type: 'call-hangup' as const, callId: call.callId } };
    return end(state, call, { kind: 'failed', code: 'timeout' }, now, [hangup]);
  }
  return unchanged(state);
}
