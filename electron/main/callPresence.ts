/**
 * What a call changes in the shell besides permissions, decided from the core's `call.activity`:
 * - the computer and its display stay awake while a call is on this device (a video call must
 *   not go dark mid-sentence; Signal and Wire do the same), and may sleep again when it ends or
 *   the core dies (the supervisor reports NO_CALL then);
 * - the taskbar (Windows, Linux) or Dock (macOS) asks for attention while a call rings here and
 *   the window is not focused, and stops when ringing stops or the user looks at the window.
 * Pure: the shell passes in the Electron calls (callShell.ts), so this is unit-tested.
 */
import type { CallActivity } from './callActivity';
import { NO_CALL } from './callActivity';

export interface CallPresenceEffects {
  /** Starts preventing display sleep; returns what `allowSleep` needs to stop it. */
  preventSleep(): number;
  allowSleep(blocker: number): void;
  /** Starts or stops asking for the user's attention (flashing taskbar button, bouncing Dock icon). */
  attention(on: boolean): void;
  isWindowFocused(): boolean;
}

export class CallPresence {
  private activity: CallActivity = NO_CALL;
  private blocker: number | undefined;
  private asking = false;
  /** This ring was already announced or seen: a repeated `call.activity` does not flash again. */
  private announced = false;

  constructor(private readonly effects: CallPresenceEffects) {}

  /** The core's latest `call.activity` (or NO_CALL after it exited). */
  update(activity: CallActivity): void {
    this.activity = activity;
    if (activity.active && this.blocker === undefined) this.blocker = this.effects.preventSleep();
    if (!activity.active && this.blocker !== undefined) {
      this.effects.allowSleep(this.blocker);
      this.blocker = undefined;
    }
    if (activity.ringing && !this.announced) {
      this.announced = true;
      if (!this.effects.isWindowFocused()) this.ask(true);
    }
    if (!activity.ringing) {
      this.announced = false;
      if (this.asking) this.ask(false);
    }
  }

  /** The user looked at the window: the ring is seen, the taskbar may calm down (the prompt keeps ringing). */
  windowFocused(): void {
    if (this.asking) this.ask(false);
  }

  /** The window closed while a call rang: a window that comes back asks again if it is still ringing. */
  windowClosed(): void {
    this.asking = false;
    this.announced = false;
  }

  get current(): CallActivity {
    return this.activity;
  }

  private ask(on: boolean): void {
    this.asking = on;
    this.effects.attention(on);
  }
}

/** How a platform asks for attention: the Dock icon bounces on macOS, the taskbar button flashes elsewhere. */
export type AttentionStyle = 'dock-bounce' | 'flash-frame';

export function attentionStyle(platform: NodeJS.Platform): AttentionStyle {
  return platform === 'darwin' ? 'dock-bounce' : 'flash-frame';
}
