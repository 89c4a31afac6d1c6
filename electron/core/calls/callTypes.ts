/**
 * The data of the call machine (callMachine.ts): the calls this device knows, the events that
 * move them and the effects it asks for. All plain, Readonly data, so the machine is a pure
 * function and the core, the tests and a later conference machine can share it.
 */
import type { CallContent, CallId, DtlsFingerprint } from '../../../protocol/content/callSchema';

export type UserRef = Readonly<{ id: string; domain: string }>;
/** A device as the MLS credential of its messages names it (the receive path authenticated it). */
export type DeviceRef = Readonly<{ user: UserRef; clientId: string }>;

export type CallMedia = 'audio' | 'video';

/** One side's session description: what goes into a setup, answer or ICE restart. */
export type Description = Readonly<{ sdp: string; fingerprint: DtlsFingerprint }>;

/** The conversation a call message arrived in (or a call is started in), as the core knows it now. */
export type CallConversation = Readonly<{
  id: string;
  /** Only one-to-one conversations have calls here; group calls are issue 14 (their own rules). */
  kind: 'one-to-one' | 'group' | 'self';
  /** Every device currently in the conversation's MLS group. A message from any other is ignored. */
  devices: readonly DeviceRef[];
}>;

export type PeerMedia = Readonly<{ muted: boolean; cameraOff: boolean; sharing: boolean }>;

/** Why a failed call failed; each has a sentence in callHistory.ts. */
export type CallFailureCode =
  /** ICE found no path (renderer). */
  | 'ice-failed'
  /** The DTLS handshake failed, e.g. the certificate did not match the fingerprint (renderer). */
  | 'dtls-failed'
  /** A call message's SDP named another certificate than the fingerprint it carried (sdpFingerprint.ts). */
  | 'fingerprint-mismatch'
  /** Answered, but media did not flow within the connect time. */
  | 'timeout';

/**
 * How a call ended, from this device's side (`direction` says whose call it was). One reason
 * per line in the history; 'no-answer' is "missed" on the callee's side.
 */
export type EndReason =
  | Readonly<{ kind: 'declined' }>
  | Readonly<{ kind: 'cancelled' }>
  | Readonly<{ kind: 'busy' }>
  | Readonly<{ kind: 'no-answer' }>
  | Readonly<{ kind: 'answered-elsewhere' }>
  | Readonly<{ kind: 'failed'; code: CallFailureCode }>
  /** `durationMs` is null when the call ended before media flowed. */
  | Readonly<{ kind: 'completed'; durationMs: number | null }>;

/** An ICE restart in flight: this side sent an offer, or must answer the peer's. */
export type RestartState = 'none' | 'offered' | 'answering';

/** What an answered call knows about its two ends. */
export type CallLink = Readonly<{
  /** The one peer device in the call: the answering device for the caller, the caller's for the callee. */
  remote: DeviceRef;
  /** The certificate `remote` vouched for in its setup or answer; an ICE restart may not change it. */
  remoteFingerprint: DtlsFingerprint;
  /** This device's own description (its fingerprint goes into ICE restarts). */
  local: Description;
  restart: RestartState;
  peerMedia: PeerMedia;
}>;

export type CallPhase =
  /** This device called; the peer's devices ring. */
  | Readonly<{ phase: 'outgoing'; since: number; local: Description }>
  /** This device rings. `offer` is the caller's, for the renderer to answer. */
  | Readonly<{ phase: 'incoming'; since: number; offer: Description }>
  /** Another device of this user started the call: shown as ongoing elsewhere, never rings. */
  | Readonly<{ phase: 'elsewhere'; since: number }>
  /** Answered; the peer connection with `remote` is being set up. */
  | (Readonly<{ phase: 'connecting'; since: number }> & CallLink)
  /** Media flows; `since` is when it started (the call's duration counts from here). */
  | (Readonly<{ phase: 'active'; since: number }> & CallLink)
  | Readonly<{ phase: 'ended'; since: number; reason: EndReason }>;

export type Call = Readonly<{
  callId: CallId;
  conversationId: string;
  /** Whose call it is from this user's side: 'outgoing' on all of the caller's devices. */
  direction: 'outgoing' | 'incoming';
  /** The device that started the call (only it may cancel). */
  caller: DeviceRef;
  /** The other user of the 1:1 conversation. */
  peer: UserRef;
  media: CallMedia;
  /** Constant bit rate in effect: either side asking for it is enough (seed 002, "Encoding"). */
  cbr: boolean;
  /** When the caller sent the setup (server time where the core has it), for the ring deadline. */
  setupAt: number;
  state: CallPhase;
}>;

export type CallMachineConfig = Readonly<{
  /** Ringing stops after this long with "no answer" / "missed call" (issue 13: 60 s). */
  ringMs: number;
  /** An answered call whose media does not flow within this long failed to connect. */
  connectMs: number;
  /** Ended calls remembered, so a late duplicate of their messages is recognised and ignored. */
  endedKept: number;
}>;

export const DEFAULT_CALL_CONFIG: CallMachineConfig = { ringMs: 60_000, connectMs: 30_000, endedKept: 64 };

export type CallsState = Readonly<{
  self: DeviceRef;
  config: CallMachineConfig;
  calls: readonly Call[];
  /**
   * Ids of calls whose end (cancel, hang-up) arrived before their setup: a setup that then
   * arrives late must not ring. Bounded like the ended calls.
   */
  endedUnseen: readonly CallId[];
}>;

export type CallTimer = 'ring' | 'connect';

export type CallEvent =
  // From this device's user or its renderer.
  | Readonly<{ kind: 'start'; callId: CallId; conversation: CallConversation; media: CallMedia; cbr: boolean; offer: Description }>
  | Readonly<{ kind: 'accept'; callId: CallId; answer: Description; cbr: boolean }>
  | Readonly<{ kind: 'decline'; callId: CallId }>
  /** End or cancel; `dataChannelOpen` false means the peer must be told over E2EE (fallback). */
  | Readonly<{ kind: 'hang-up'; callId: CallId; dataChannelOpen: boolean }>
  | Readonly<{ kind: 'connected'; callId: CallId }>
  | Readonly<{ kind: 'connection-failed'; callId: CallId; code: 'ice-failed' | 'dtls-failed' }>
  /** The peer said goodbye over the call's data channel (seed 000: hang-up travels peer to peer). */
  | Readonly<{ kind: 'peer-hung-up'; callId: CallId }>
  | Readonly<{ kind: 'media-changed'; callId: CallId; media: PeerMedia }>
  /** The peer's media state, as it said over the call's data channel (the renderer reports it). */
  | Readonly<{ kind: 'peer-media'; callId: CallId; media: PeerMedia }>
  | Readonly<{ kind: 'ice-restart'; callId: CallId; role: 'offer' | 'answer'; description: Description }>
  | Readonly<{ kind: 'timer'; callId: CallId; timer: CallTimer }>
  // A decrypted call message; `from` is the MLS-authenticated sender device.
  | Readonly<{ kind: 'received'; conversation: CallConversation; from: DeviceRef; sentAt: number; content: CallContent }>;

/** What call.state tells the UI. No SDP: that goes to the renderer's peer connection only. */
export type CallView = Readonly<{
  callId: CallId;
  conversationId: string;
  peer: UserRef;
  direction: 'outgoing' | 'incoming';
  media: CallMedia;
  cbr: boolean;
  phase: CallPhase['phase'];
  since: number;
  reason?: EndReason;
  peerMedia?: PeerMedia;
}>;

/** A line for the conversation's history (callHistory.ts turns it into a sentence). */
export type CallHistoryLine = Readonly<{
  callId: CallId;
  conversationId: string;
  peer: UserRef;
  direction: 'outgoing' | 'incoming';
  media: CallMedia;
  reason: EndReason;
  at: number;
}>;

export type CallEffect =
  | Readonly<{ kind: 'send'; conversationId: string; content: CallContent }>
  | Readonly<{ kind: 'start-timer'; callId: CallId; timer: CallTimer; ms: number }>
  | Readonly<{ kind: 'stop-timer'; callId: CallId; timer: CallTimer }>
  | Readonly<{ kind: 'history'; line: CallHistoryLine }>
  | Readonly<{ kind: 'notify'; conversationId: string; callId: CallId; peer: UserRef; notice: 'incoming-call' | 'missed-call'; media: CallMedia }>
  /** The `call.state` event. */
  | Readonly<{ kind: 'emit'; view: CallView }>
  /**
   * For the renderer's peer connection only: the peer's offer or answer, with the fingerprint
   * its E2EE message vouched for (the SDP names the same one: checked before this effect).
   */
  | Readonly<{ kind: 'remote-description'; callId: CallId; type: 'offer' | 'answer'; sdp: string; fingerprint: DtlsFingerprint }>
  /** A local request that could not be carried out; `message` is for the person. */
  | Readonly<{ kind: 'refused'; callId: CallId; code: CallRefusalCode; message: string }>;

export const CALL_REFUSALS = {
  'call-busy': 'You are already in a call. End it before starting or taking another.',
  'call-exists': 'A call with this id already exists.',
  'call-not-found': 'This call is over or was never here.',
  'call-not-ringing': 'This call is no longer ringing.',
  'call-not-connected': 'This call is not connected.',
  'call-no-calls-here': 'Calls are only possible in one-to-one conversations for now.',
  'call-bad-description': 'The call could not be started: the description of this device’s media does not name its certificate.',
} as const;
export type CallRefusalCode = keyof typeof CALL_REFUSALS;

export type CallStep = Readonly<{ state: CallsState; effects: readonly CallEffect[] }>;
