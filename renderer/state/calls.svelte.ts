/**
 * The calls the UI shows: the latest `call.state` view of each call this device knows (the
 * core's call machine decides every phase), plus what only this window knows: whether the
 * call screen is minimised to the call bar, this side's own mute/camera/share toggles and the
 * streams and connection quality the renderer's call session reports.
 *
 * The media behind these views (one CallSession per call, driven through the core's call
 * requests) lives in renderer/calls/callController.ts, which sets `actions`.
 */
import type { ErrorInfo } from '../../protocol/result';
import { onEvent } from '../api';
import type { CallMedia, CallView } from '../lib/callView';
import { callDevices } from './callDevices.svelte';
import { conversationList } from './conversationList.svelte';

/** How long an ended call's sentence stays before the screen goes (Signal shows it briefly too). */
export const ENDED_SHOWN_MS = 4_000;

export type Quality = 'good' | 'fair' | 'poor';

/** What the UI asks for; the renderer's call session (renderer/calls) implements it. */
export interface CallActions {
  start(conversationId: string, media: CallMedia): void;
  accept(callId: string, media: CallMedia): void;
  decline(callId: string): void;
  hangUp(callId: string): void;
  setMuted(callId: string, muted: boolean): void;
  setCamera(callId: string, on: boolean): void;
  setSharing(callId: string, on: boolean): void;
  /** Opens the microphone, camera and speaker choice (`callDevices.show()`: the picker needs no call session). */
  chooseDevices(): void;
}

/** Until the call session is wired, the UI's requests go nowhere (its own toggles still show). */
export const UNWIRED: CallActions = {
  start: () => undefined,
  accept: () => undefined,
  decline: () => undefined,
  hangUp: () => undefined,
  setMuted: () => undefined,
  setCamera: () => undefined,
  setSharing: () => undefined,
  chooseDevices: () => callDevices.show(),
};

type OwnMedia = Readonly<{ muted: boolean; cameraOff: boolean; sharing: boolean }>;

class CallsState {
  /** Latest view per call id, oldest first. Ended calls leave after ENDED_SHOWN_MS. */
  views = $state<readonly CallView[]>([]);
  /** The phase each call had before it ended: an unanswered ring ends in the prompt, not the screen. */
  private lastLive = new Map<string, CallView['phase']>();
  minimised = $state(false);
  own = $state<OwnMedia>({ muted: false, cameraOff: false, sharing: false });
  quality = $state<Quality | undefined>(undefined);
  localStream = $state<MediaStream | undefined>(undefined);
  remoteStream = $state<MediaStream | undefined>(undefined);
  /** The last call request that failed (core or media), in plain words; the UI shows it until dismissed. */
  error = $state<ErrorInfo | undefined>(undefined);
  actions: CallActions = UNWIRED;
  private timers = new Map<string, ReturnType<typeof setTimeout>>();

  /** The call that owns the call screen or bar: the live one, else the one that just ended. */
  get current(): CallView | undefined {
    const live = this.views.find((v) => v.phase !== 'ended' && v.phase !== 'incoming');
    return live ?? this.views.findLast((v) => v.phase === 'ended' && this.lastLive.get(v.callId) !== 'incoming');
  }

  /** A call ringing here, or one that stopped ringing a moment ago (its prompt says why). */
  get ringing(): CallView | undefined {
    return (
      this.views.find((v) => v.phase === 'incoming') ??
      this.views.findLast((v) => v.phase === 'ended' && this.lastLive.get(v.callId) === 'incoming')
    );
  }

  /** The peer's name as the 1:1 conversation shows it (the core names a 1:1 after the other person). */
  nameOf(view: CallView): string {
    return conversationList.byId(view.conversationId)?.name ?? view.peer.id;
  }

  receive(view: CallView): void {
    const before = this.views.find((v) => v.callId === view.callId);
    if (view.phase === 'ended') {
      if (before && before.phase !== 'ended') this.lastLive.set(view.callId, before.phase);
      this.schedule(view.callId);
    } else if (before === undefined) {
      // A new call starts with the screen shown and this side's media as it was asked for.
      this.minimised = false;
      this.own = { muted: false, cameraOff: view.media === 'audio', sharing: false };
      this.quality = undefined;
    }
    // A call on the user's other device has no screen here, only the bar (and so does its end).
    if (view.phase === 'elsewhere') this.minimised = true;
    this.views = before ? this.views.map((v) => (v.callId === view.callId ? view : v)) : [...this.views, view];
  }

  follow(): () => void {
    return onEvent('call.state', (view) => this.receive(view));
  }

  private schedule(callId: string): void {
    clearTimeout(this.timers.get(callId));
    this.timers.set(
      callId,
      setTimeout(() => {
        this.timers.delete(callId);
        this.lastLive.delete(callId);
        this.views = this.views.filter((v) => v.callId !== callId);
      }, ENDED_SHOWN_MS),
    );
  }

  start(conversationId: string, media: CallMedia): void {
    this.error = undefined;
    this.actions.start(conversationId, media);
  }

  accept(callId: string, media: CallMedia): void {
    this.own = { muted: false, cameraOff: media === 'audio', sharing: false };
    this.minimised = false;
    this.actions.accept(callId, media);
  }

  toggleMute(callId: string): void {
    this.own = { ...this.own, muted: !this.own.muted };
    this.actions.setMuted(callId, this.own.muted);
  }

  toggleCamera(callId: string): void {
    this.own = { ...this.own, cameraOff: !this.own.cameraOff };
    this.actions.setCamera(callId, !this.own.cameraOff);
  }

  toggleSharing(callId: string): void {
    this.own = { ...this.own, sharing: !this.own.sharing };
    this.actions.setSharing(callId, this.own.sharing);
  }

  reset(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.lastLive.clear();
    this.views = [];
    this.minimised = false;
    this.error = undefined;
    this.localStream = undefined;
    this.remoteStream = undefined;
    this.quality = undefined;
  }
}

export const calls = new CallsState();
