/**
 * Desktop notifications for calls (issue 13): an incoming call gets a notification of its own,
 * never batched with messages (notificationBatcher.ts), with Accept and Decline where the
 * platform offers notification actions, and it closes when ringing stops (answered here or on
 * another device, declined, cancelled, missed). A missed call is an ordinary notice. Pure: the
 * shell passes in how to show a notification and where a chosen action goes (callShell.ts).
 *
 * Platforms: Electron shows notification `actions` as buttons on macOS only. Windows would need
 * a `toastXml` with `<actions>` and the app's own activation route, which this shell does not
 * register; Linux notification servers may have no actions at all. There, as for a message, a
 * click on the notification shows the window, where the incoming-call prompt waits with Accept
 * and Decline (keyboard-operable). Accept always goes to the page (the media and the answer are
 * made there), never to the core directly; so does Decline, which the page passes to the core.
 */

/** What the core says about a call notice (`notify.call`, electron/core/ipc/eventSchemas.ts). */
export type CallNoticeMarker = Readonly<{ callId: string; notice: 'incoming-call' | 'missed-call'; media: 'audio' | 'video' }>;

export type CallNotice = Readonly<{ conversationId: string; title: string; body: string; call: CallNoticeMarker }>;

/** What the user chose on the notification; `show` is a click on its body. */
export type CallNoticeAction = Readonly<{ callId: string; action: 'accept' | 'decline' | 'show'; media: 'audio' | 'video' }>;

export type NoticeButton = Readonly<{ type: 'button'; text: string }>;

/** The Electron Notification options beyond title and body. */
export type CallNoticeOptions = Readonly<{ actions: readonly NoticeButton[]; urgency?: 'critical'; timeoutType?: 'never' }>;

export interface CallNoticeHandle {
  close(): void;
}

export interface CallNoticeEffects {
  /** Shows one notification; `onAction(index)` for a button, `onClick()` for the body. */
  show(notice: CallNotice, options: CallNoticeOptions, events: Readonly<{ onAction: (index: number) => void; onClick: () => void }>): CallNoticeHandle;
  /** Where a choice goes: main shows the window and hands the action to the page. */
  chosen(action: CallNoticeAction): void;
}

/** Accept (with the call's own media) and Decline as buttons, on platforms that show them. */
export function callNoticeOptions(platform: NodeJS.Platform, notice: CallNotice): CallNoticeOptions {
  if (notice.call.notice === 'missed-call') return { actions: [] };
  const accept: NoticeButton = { type: 'button', text: notice.call.media === 'video' ? 'Accept with video' : 'Accept' };
  const decline: NoticeButton = { type: 'button', text: 'Decline' };
  switch (platform) {
    case 'darwin':
      return { actions: [accept, decline] };
    case 'linux':
      // Kept on screen while it rings (closed by `ringingStopped`); actions are not relied on.
      return { actions: [], urgency: 'critical', timeoutType: 'never' };
    default:
      return { actions: [], timeoutType: 'never' };
  }
}

export class CallNotices {
  private incoming: Readonly<{ callId: string; handle: CallNoticeHandle }> | undefined;
  private locked = false;

  constructor(
    private readonly platform: NodeJS.Platform,
    private readonly effects: CallNoticeEffects,
  ) {}

  offer(notice: CallNotice): void {
    if (this.locked) return;
    const { callId, media } = notice.call;
    const options = callNoticeOptions(this.platform, notice);
    if (notice.call.notice === 'incoming-call') this.closeIncoming();
    const handle = this.effects.show(notice, options, {
      onAction: (index) => {
        const action = index === 0 ? 'accept' : index === 1 ? 'decline' : undefined;
        if (action === undefined || options.actions.length === 0) return;
        this.closeIncoming();
        this.effects.chosen({ callId, action, media });
      },
      onClick: () => this.effects.chosen({ callId, action: 'show', media }),
    });
    if (notice.call.notice === 'incoming-call') this.incoming = { callId, handle };
  }

  /** `call.activity` says nothing rings any more: the incoming call's notification goes. */
  ringing(ringing: boolean): void {
    if (!ringing) this.closeIncoming();
  }

  /** Locking closes the incoming notification and shows none while locked (as for messages). */
  setLocked(locked: boolean): void {
    this.locked = locked;
    if (locked) this.closeIncoming();
  }

  private closeIncoming(): void {
    this.incoming?.handle.close();
    this.incoming = undefined;
  }
}
