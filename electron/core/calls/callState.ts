/**
 * Small pure helpers over CallsState that every transition uses: find, replace, end a call with
 * its history line, and the view the UI gets. No rules live here.
 */
import type { CallId } from '../../../protocol/content/callSchema';
import { missingCase } from '../../../protocol/result';
import type { Call, CallEffect, CallPhase, CallRefusalCode, CallsState, CallStep, CallTimer, CallView, EndReason } from './callTypes';
import { CALL_REFUSALS } from './callTypes';

export function findCall(state: CallsState, callId: CallId): Call | undefined {
  const id = callId.toLowerCase();
  return state.calls.find((c) => c.callId === id);
}

/** Whether this device already takes part in a call (ringing counts: a second caller hears busy). */
export function isBusy(state: CallsState): boolean {
  return state.calls.some((c) => {
    const phase = c.state.phase;
    return phase === 'outgoing' || phase === 'incoming' || phase === 'connecting' || phase === 'active';
  });
}

/**
 * Whether the shell should let this device use camera and microphone now (contract event
 * `call.state` `{ active }`): from ringing on (the renderer captures before it sends its offer or
 * answer) until the call ends here. A call shown as ongoing on another device does not count.
 */
export function holdsMedia(state: CallsState): boolean {
  return isBusy(state);
}

/** The state with `call` added or replaced; the oldest ended calls beyond `endedKept` are forgotten. */
export function withCall(state: CallsState, call: Call): CallsState {
  const others = state.calls.filter((c) => c.callId !== call.callId);
  const calls = [...others, call];
  const ended = calls.filter((c) => c.state.phase === 'ended');
  const drop = new Set(ended.slice(0, Math.max(0, ended.length - state.config.endedKept)).map((c) => c.callId));
  return { ...state, calls: calls.filter((c) => !drop.has(c.callId)) };
}

export function withPhase(call: Call, phase: CallPhase): Call {
  return { ...call, state: phase };
}

/** The timer that runs in a phase, if any. */
export function timerOf(phase: CallPhase['phase']): CallTimer | undefined {
  switch (phase) {
    case 'outgoing':
    case 'incoming':
    case 'elsewhere':
      return 'ring';
    case 'connecting':
      return 'connect';
    case 'active':
    case 'ended':
      return undefined;
    default:
      return missingCase(phase);
  }
}

export function viewOf(call: Call): CallView {
  const s = call.state;
  return {
    callId: call.callId,
    conversationId: call.conversationId,
    peer: call.peer,
    direction: call.direction,
    media: call.media,
    cbr: call.cbr,
    phase: s.phase,
    since: s.since,
    ...(s.phase === 'ended' ? { reason: s.reason } : {}),
    ...(s.phase === 'connecting' || s.phase === 'active' ? { peerMedia: s.peerMedia } : {}),
  };
}

export const emit = (call: Call): CallEffect => ({ kind: 'emit', view: viewOf(call) });

/** Moves `call` to `next`: stops the old phase's timer, starts the new one's, emits call.state. */
export function moveTo(state: CallsState, call: Call, next: CallPhase, before: readonly CallEffect[] = []): CallStep {
  const moved = withPhase(call, next);
  const effects: CallEffect[] = [...before];
  const oldTimer = timerOf(call.state.phase);
  const newTimer = timerOf(next.phase);
  if (oldTimer !== undefined && oldTimer !== newTimer) effects.push({ kind: 'stop-timer', callId: call.callId, timer: oldTimer });
  if (newTimer !== undefined && oldTimer !== newTimer) {
    const ms = newTimer === 'ring' ? state.config.ringMs : state.config.connectMs;
    effects.push({ kind: 'start-timer', callId: call.callId, timer: newTimer, ms });
  }
  effects.push(emit(moved));
  return { state: withCall(state, moved), effects };
}

/** On the callee's side these reasons mean the person missed a call: notified, as in Signal and Wire. */
function isMissed(call: Call, reason: EndReason): boolean {
  return call.direction === 'incoming' && (reason.kind === 'cancelled' || reason.kind === 'no-answer' || reason.kind === 'busy');
}

/** Ends `call` with `reason`: its timer stops, call.state says ended, and one line goes to the history. */
export function end(state: CallsState, call: Call, reason: EndReason, now: number, before: readonly CallEffect[] = []): CallStep {
  const step = moveTo(state, call, { phase: 'ended', since: now, reason }, before);
  const effects: CallEffect[] = [
    ...step.effects,
    {
      kind: 'history',
      line: { callId: call.callId, conversationId: call.conversationId, peer: call.peer, direction: call.direction, media: call.media, reason, at: now },
    },
  ];
  if (isMissed(call, reason)) {
    effects.push({ kind: 'notify', conversationId: call.conversationId, callId: call.callId, peer: call.peer, notice: 'missed-call', media: call.media });
  }
  return { state: step.state, effects };
}

export function refuse(state: CallsState, callId: CallId, code: CallRefusalCode): CallStep {
  return { state, effects: [{ kind: 'refused', callId, code, message: CALL_REFUSALS[code] }] };
}

export const unchanged = (state: CallsState): CallStep => ({ state, effects: [] });
