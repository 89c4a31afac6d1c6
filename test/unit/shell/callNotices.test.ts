import { describe, expect, it } from 'vitest';
import type { CallNotice, CallNoticeAction, CallNoticeEffects, CallNoticeOptions } from '../../../electron/main/callNotices';
import { CallNotices, callNoticeOptions } from '../../../electron/main/callNotices';

const CALL = '0b6f3c2e-7d1a-4f5e-9a8b-1c2d3e4f5a6b';
const incoming = (media: 'audio' | 'video' = 'video', callId = CALL): CallNotice => ({
  conversationId: 'c1',
  title: 'Ada',
  body: 'Incoming video call',
  call: { callId, notice: 'incoming-call', media },
});

/** Electron's Notification stand-in: what was shown, what is still open, and its events to fire. */
function fakeShell() {
  const shown: Array<{ notice: CallNotice; options: CallNoticeOptions; open: boolean; action: (index: number) => void; click: () => void }> = [];
  const chosen: CallNoticeAction[] = [];
  const effects: CallNoticeEffects = {
    show: (notice, options, events) => {
      const entry = { notice, options, open: true, action: events.onAction, click: events.onClick };
      shown.push(entry);
      return { close: () => void (entry.open = false) };
    },
    chosen: (action) => void chosen.push(action),
  };
  return { shown, chosen, effects };
}

describe('call notifications in the shell', () => {
  it('offers Accept and Decline on macOS and routes each to the page with the call id', () => {
    const shell = fakeShell();
    const notices = new CallNotices('darwin', shell.effects);
    notices.offer(incoming());
    expect(shell.shown[0]?.options.actions.map((a) => a.text)).toEqual(['Accept with video', 'Decline']);
    shell.shown[0]?.action(0);
    expect(shell.chosen).toEqual([{ callId: CALL, action: 'accept', media: 'video' }]);
    expect(shell.shown[0]?.open).toBe(false);

    notices.offer(incoming('audio'));
    expect(shell.shown[1]?.options.actions.map((a) => a.text)).toEqual(['Accept', 'Decline']);
    shell.shown[1]?.action(1);
    expect(shell.chosen.at(-1)).toEqual({ callId: CALL, action: 'decline', media: 'audio' });
  });

  it('on Linux has no actions: a click shows the call screen, and the notice stays until ringing stops', () => {
    const shell = fakeShell();
    const notices = new CallNotices('linux', shell.effects);
    notices.offer(incoming());
    expect(shell.shown[0]?.options).toEqual({ actions: [], urgency: 'critical', timeoutType: 'never' });
    shell.shown[0]?.action(0);
    expect(shell.chosen).toEqual([]);
    shell.shown[0]?.click();
    expect(shell.chosen).toEqual([{ callId: CALL, action: 'show', media: 'video' }]);
    expect(shell.shown[0]?.open).toBe(true);
    notices.ringing(false);
    expect(shell.shown[0]?.open).toBe(false);
  });

  it('closes the incoming notification when ringing stops, and a new call replaces it', () => {
    const shell = fakeShell();
    const notices = new CallNotices('darwin', shell.effects);
    notices.offer(incoming());
    notices.ringing(true);
    expect(shell.shown[0]?.open).toBe(true);
    notices.offer(incoming('audio', '1b6f3c2e-7d1a-4f5e-9a8b-1c2d3e4f5a6b'));
    expect(shell.shown.map((s) => s.open)).toEqual([false, true]);
    notices.ringing(false);
    expect(shell.shown.map((s) => s.open)).toEqual([false, false]);
  });

  it('shows a missed call without buttons and leaves it open when ringing stops', () => {
    const shell = fakeShell();
    const notices = new CallNotices('darwin', shell.effects);
    notices.offer({ conversationId: 'c1', title: 'Ada', body: 'Missed call', call: { callId: CALL, notice: 'missed-call', media: 'audio' } });
    expect(shell.shown[0]?.options.actions).toEqual([]);
    notices.ringing(false);
    expect(shell.shown[0]?.open).toBe(true);
  });

  it('shows nothing while the app is locked, and locking closes a ringing notice', () => {
    const shell = fakeShell();
    const notices = new CallNotices('darwin', shell.effects);
    notices.offer(incoming());
    notices.setLocked(true);
    expect(shell.shown[0]?.open).toBe(false);
    notices.offer(incoming());
    expect(shell.shown).toHaveLength(1);
  });

  it('gives Windows no buttons it could not route (a click shows the prompt)', () => {
    expect(callNoticeOptions('win32', incoming())).toEqual({ actions: [], timeoutType: 'never' });
  });
});
