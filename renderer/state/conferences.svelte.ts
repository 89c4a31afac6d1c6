/**
 * The conferences the UI shows (issue 14): the latest `conference.state` view of each conference
 * this device knows (the core decides every phase and who is in it), plus what only this window
 * knows: whether the conference screen is minimised to the call bar, this device's own mute,
 * camera and share toggles, the remote streams by participant leaf, who is speaking (from the
 * renderer's own analysers) and the epoch of the frame key in use.
 *
 * The media behind these views lives in renderer/calls/conferenceController.ts, which sets
 * `actions`.
 */
import type { ErrorInfo } from '../../protocol/result';
import type { ConferenceActions, ConferenceParticipant, ConferenceStore, ConferenceView } from '../calls/conferenceMedia';
import type { CallMedia } from '../lib/callView';

export type { ConferenceActions, ConferenceParticipant, ConferenceView };

/** How long an ended conference's sentence stays before the screen goes (as for 1:1 calls). */
export const CONFERENCE_ENDED_SHOWN_MS = 4_000;

export const CONFERENCES_UNWIRED: ConferenceActions = {
  start: () => undefined,
  join: () => undefined,
  leave: () => undefined,
  setMuted: () => undefined,
  setCamera: () => undefined,
  setSharing: () => undefined,
};

type OwnMedia = Readonly<{ muted: boolean; cameraOff: boolean; sharing: boolean }>;

class ConferencesState implements ConferenceStore<MediaStream> {
  /** Latest view per conference id, oldest first. Ended ones leave after CONFERENCE_ENDED_SHOWN_MS. */
  views = $state<readonly ConferenceView[]>([]);
  minimised = $state(false);
  own = $state<OwnMedia>({ muted: false, cameraOff: false, sharing: false });
  /** Remote participants' decrypted media by leaf (the subscription's `streams[].leaf`). */
  streams = $state<ReadonlyMap<number, MediaStream>>(new Map());
  /** This device's own video (camera or screen) for its tile. */
  localStream = $state<MediaStream | undefined>(undefined);
  /** The leaf of the participant speaking now, as this window's analysers hear it. */
  speaking = $state<number | undefined>(undefined);
  /** The MLS epoch of the frame key in use (shown to tests and diagnostics; not a secret). */
  epoch = $state<number | undefined>(undefined);
  keyStep = $state<number | undefined>(undefined);
  error = $state<ErrorInfo | undefined>(undefined);
  actions: ConferenceActions = CONFERENCES_UNWIRED;
  #timers = new Map<string, ReturnType<typeof setTimeout>>();

  /** The conference this device is in (or joining), else the one it just left. */
  get current(): ConferenceView | undefined {
    return this.views.find((v) => v.phase === 'joined' || v.phase === 'joining') ?? this.views.findLast((v) => v.phase === 'ended' && v.reason !== undefined);
  }

  /** The conference running in a conversation that this device could join or is in. */
  runningIn(conversationId: string): ConferenceView | undefined {
    return this.views.find((v) => v.conversationId === conversationId && v.phase !== 'ended');
  }

  /** True while this device is in (or joining) a conference: another call or conference cannot start. */
  get busy(): boolean {
    return this.views.some((v) => v.phase === 'joined' || v.phase === 'joining');
  }

  receive(view: ConferenceView): void {
    const before = this.views.find((v) => v.conferenceId === view.conferenceId);
    if (view.phase === 'ended') this.#schedule(view.conferenceId);
    else if ((view.phase === 'joining' || view.phase === 'joined') && (before === undefined || before.phase === 'available' || before.phase === 'ended')) {
      // Entering a conference: the screen shows, this device's media as it was asked for.
      this.minimised = false;
      this.own = { muted: false, cameraOff: view.media === 'audio', sharing: false };
    }
    this.views = before ? this.views.map((v) => (v.conferenceId === view.conferenceId ? view : v)) : [...this.views, view];
  }

  /** The participant on a tile, by leaf, in the current conference. */
  participant(leaf: number): ConferenceParticipant | undefined {
    return this.current?.participants.find((p) => p.leaf === leaf);
  }

  start(conversationId: string, media: CallMedia): void {
    this.error = undefined;
    this.actions.start(conversationId, media);
  }

  join(conferenceId: string, media: CallMedia): void {
    this.error = undefined;
    this.actions.join(conferenceId, media);
  }

  toggleMute(conferenceId: string): void {
    this.own = { ...this.own, muted: !this.own.muted };
    this.actions.setMuted(conferenceId, this.own.muted);
  }

  toggleCamera(conferenceId: string): void {
    this.own = { ...this.own, cameraOff: !this.own.cameraOff };
    this.actions.setCamera(conferenceId, !this.own.cameraOff);
  }

  toggleSharing(conferenceId: string): void {
    this.own = { ...this.own, sharing: !this.own.sharing };
    this.actions.setSharing(conferenceId, this.own.sharing);
  }

  /** The media of a conference that closed here. */
  clearMedia(): void {
    this.streams = new Map();
    this.localStream = undefined;
    this.speaking = undefined;
    this.epoch = undefined;
    this.keyStep = undefined;
  }

  reset(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.views = [];
    this.minimised = false;
    this.error = undefined;
    this.clearMedia();
  }

  #schedule(conferenceId: string): void {
    clearTimeout(this.#timers.get(conferenceId));
    this.#timers.set(
      conferenceId,
      setTimeout(() => {
        this.#timers.delete(conferenceId);
        this.views = this.views.filter((v) => v.conferenceId !== conferenceId || v.phase !== 'ended');
      }, CONFERENCE_ENDED_SHOWN_MS),
    );
  }
}

export const conferences = new ConferencesState();
