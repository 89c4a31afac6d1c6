/**
 * The shapes between the conference controller (conferenceController.ts), its media session
 * (conferenceSession.ts), the store the UI reads (state/conferences.svelte.ts) and the UI's
 * buttons. Free of DOM and Svelte types (the stream type is a parameter), so the controller's
 * unit tests run in Node against fakes.
 */
import type { ConferenceViewPayload, ResponseOf } from '../../electron/core/ipc/contract';
import type { ErrorInfo } from '../../protocol/result';
import type { FrameStats, MediaKind } from './frameCipher';
import type { FrameKeyInput } from './frameKeyInput';
import type { SessionResult } from './signedDescription';

export type ConferenceView = Readonly<ConferenceViewPayload>;
export type ConferenceParticipant = ConferenceView['participants'][number];
type CallMedia = ConferenceView['media'];

/** The core's `calls.config`: ICE servers and policy, used for the SFU connections too ("Always relay calls" holds here as well). */
export type IceConfig = ResponseOf<'calls.config'>;

/** A stream the SFU's offer carries: its m-line (`mid`), kind and the sender's leaf in the call group. */
export type SubscribedStream = Readonly<{ mid: string; kind: MediaKind; leaf: number }>;

/** A conference frame key as the core gives it: the epoch base key plus the ratchet step due now. */
export type ConferenceKeyInput = FrameKeyInput & Readonly<{ step: number }>;

export type ConferenceMediaState = Readonly<{ muted: boolean; cameraOff: boolean; sharing: boolean }>;

export type ConferenceSessionEvent =
  /** Which connection: the publishing one carries this device's media, the subscribing one everyone else's. */
  | Readonly<{ type: 'connected'; connection: 'publish' | 'subscribe' }>
  | Readonly<{ type: 'failed'; connection: 'publish' | 'subscribe'; cause: 'ice' | 'dtls' }>
  /** The set of remote streams changed (a subscription was answered, a track arrived). */
  | Readonly<{ type: 'streams' }>
  /** The frame worker stopped: no media can be encrypted any more. */
  | Readonly<{ type: 'frame-crypto-failed' }>;

export interface ConferenceMediaOptions {
  readonly config: IceConfig;
  /** Camera on at the start. */
  readonly video: boolean;
  readonly onEvent: (event: ConferenceSessionEvent) => void;
  readonly microphoneId?: string;
  readonly cameraId?: string;
}

/** What the controller needs of a conference's media; `S` is MediaStream in the app. */
export interface ConferenceMedia<S> {
  /** Remote streams by sender leaf (audio and video of one participant in one stream). */
  readonly remoteStreams: ReadonlyMap<number, S>;
  /** What this device sends as video now (screen while sharing, else camera), for its own tile. */
  readonly localVideo: S | undefined;
  readonly mediaState: ConferenceMediaState;
  setKey(key: ConferenceKeyInput): void;
  publishOffer(): Promise<SessionResult<string>>;
  completePublish(answer: string): Promise<SessionResult<null>>;
  answerSubscription(offer: string, streams: readonly SubscribedStream[]): Promise<SessionResult<string>>;
  /** Leaves whose frames were decrypted since the previous call. */
  heard(): Promise<readonly number[]>;
  frameStats(): Promise<FrameStats>;
  setMuted(muted: boolean): void;
  setCameraOn(on: boolean): Promise<SessionResult<null>>;
  startScreenShare(): Promise<SessionResult<null>>;
  stopScreenShare(): Promise<void>;
  close(): void;
}

type OwnMedia = Readonly<{ muted: boolean; cameraOff: boolean; sharing: boolean }>;

/** What the controller writes: the UI's store, or a plain object in the unit tests. */
export interface ConferenceStore<S> {
  readonly views: readonly ConferenceView[];
  own: OwnMedia;
  streams: ReadonlyMap<number, S>;
  localStream: S | undefined;
  speaking: number | undefined;
  epoch: number | undefined;
  /** The ratchet step of that epoch the core last named. */
  keyStep: number | undefined;
  error: ErrorInfo | undefined;
  receive(view: ConferenceView): void;
  clearMedia(): void;
}

/** What the UI asks for; conferenceController.ts implements it. */
export interface ConferenceActions {
  start(conversationId: string, media: CallMedia): void;
  join(conferenceId: string, media: CallMedia): void;
  leave(conferenceId: string): void;
  setMuted(conferenceId: string, muted: boolean): void;
  setCamera(conferenceId: string, on: boolean): void;
  setSharing(conferenceId: string, on: boolean): void;
}

/** Who speaks: the renderer's analysers (speakerDetector.ts), a fake in the unit tests. */
export interface SpeakerWatch<S> {
  follow(streams: ReadonlyMap<number, S>): void;
  close(): void;
}
