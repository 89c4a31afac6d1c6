import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { seriousA11yViolations } from '../../host/axe';
import { RENDERER_HEADERS } from '../../host/headers';
import type { TestClient } from '../../host/testHost';
import { useTestHost } from '../../host/testHost';
import { useTestServer } from '../../support/testServer';
import { bridgeRequest, groupWith, launchAliceAndBob, userOf } from '../support/signUp';

/**
 * The call screens of issue 13, driven by `call.state` views delivered to the page as the core's
 * port would deliver them, so every phase and end can be shown without placing a call (real calls
 * between real cores: realCall.test.ts). Each view has the contract's CallView shape
 * (electron/core/ipc/callSchemas.ts).
 */
const env = useTestServer('e2e-call-screens');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });
let alice: TestClient;
let bob: TestClient;
let conversationId: string;
let bobRef: { id: string; domain: string };

type View = {
  callId: string;
  conversationId: string;
  peer: { id: string; domain: string };
  direction: 'outgoing' | 'incoming';
  media: 'audio' | 'video';
  cbr: boolean;
  phase: 'outgoing' | 'incoming' | 'elsewhere' | 'connecting' | 'active' | 'ended';
  since: number;
  reason?: unknown;
  peerMedia?: { muted: boolean; cameraOff: boolean; sharing: boolean };
};

function view(fields: Partial<View> & Pick<View, 'callId' | 'phase'>): View {
  return { conversationId, peer: bobRef, direction: 'outgoing', media: 'video', cbr: false, since: Date.now(), ...fields };
}

async function deliver(client: TestClient, payload: View): Promise<void> {
  await client.page.evaluate(
    (message) => (globalThis as { __cairnReceive?: (x: unknown) => void }).__cairnReceive?.(message),
    { kind: 'event', event: 'call.state', payload },
  );
}

type Focused = { document: { activeElement: { getAttribute(n: string): string | null } | null } };
const focusedTestId = (client: TestClient): Promise<string | null | undefined> =>
  client.page.evaluate(() => (globalThis as unknown as Focused).document.activeElement?.getAttribute('data-testid'));

beforeAll(async () => {
  const launched = await launchAliceAndBob(hostEnv.host, env.server, env.root);
  alice = launched.alice;
  bob = launched.bob;
  bobRef = await userOf(bob);
  const opened = await bridgeRequest(alice.page, 'conversations.openOneToOne', { user: bobRef });
  if (!opened.ok) throw new Error(opened.error?.message);
  conversationId = (opened.value as { id: string }).id;
  await alice.page.getByTestId('conversation-item').filter({ hasText: 'Bob Lichen' }).click();
  await alice.page.getByTestId('call-start-audio').waitFor();
});

describe('the call screens (issue 13)', () => {
  it('offers voice and video calls in the header of a one-to-one conversation', async () => {
    const a = alice.page;
    expect(await a.getByRole('button', { name: 'Voice call with Bob Lichen' }).isEnabled()).toBe(true);
    expect(await a.getByRole('button', { name: 'Video call with Bob Lichen' }).isEnabled()).toBe(true);
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('call-header-buttons');
  });

  it('shows an outgoing call as "Calling…" with the peer and a Cancel button', async () => {
    const a = alice.page;
    const callId = randomUUID();
    await deliver(alice, view({ callId, phase: 'outgoing' }));
    const screen = a.getByTestId('call-screen');
    await expect.poll(() => screen.getAttribute('data-phase')).toBe('outgoing');
    expect(await screen.getByRole('heading').textContent()).toBe('Call with Bob Lichen');
    expect(await a.getByTestId('call-status').textContent()).toBe('Calling…');
    expect(await a.getByRole('button', { name: 'Cancel' }).isVisible()).toBe(true);
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('call-outgoing');
    await deliver(alice, view({ callId, phase: 'ended', reason: { kind: 'cancelled' } }));
    await expect.poll(() => a.getByTestId('call-status').textContent()).toBe('Call cancelled.');
    // The ended sentence is shown briefly, then the conversation comes back.
    await expect.poll(() => a.getByTestId('call-screen').count(), { timeout: 10_000 }).toBe(0);
    expect(await a.getByTestId('call-start-audio').isVisible()).toBe(true);
  });

  it('shows a running call with elapsed time, the peer muted, constant bit rate and working controls', async () => {
    const a = alice.page;
    const callId = randomUUID();
    // The call screen carries the conversation's shield: make the conversation verified.
    const listed = await bridgeRequest(a, 'conversations.list', {});
    const summary = (listed.value as { conversations: Array<{ id: string }> }).conversations.find((c) => c.id === conversationId);
    await a.evaluate(
      (message) => (globalThis as { __cairnReceive?: (x: unknown) => void }).__cairnReceive?.(message),
      { kind: 'event', event: 'conversation.changed', payload: { id: conversationId, summary: { ...summary, verification: 'verified' } } },
    );
    const peerMedia = { muted: true, cameraOff: true, sharing: false };
    await deliver(alice, view({ callId, phase: 'connecting', cbr: true, peerMedia }));
    await expect.poll(() => a.getByTestId('call-status').textContent()).toBe('Connecting…');
    await deliver(alice, view({ callId, phase: 'active', cbr: true, since: Date.now() - 65_000, peerMedia }));
    await expect.poll(() => a.getByTestId('call-status').textContent()).toMatch(/^1:0\d$/);
    expect(await a.getByTestId('call-peer-state').textContent()).toContain('Bob Lichen is muted');
    // Screen readers hear that the call connected, not the clock ticking every second.
    expect(await a.getByTestId('call-screen').getByRole('status').textContent()).toBe('Call connected');
    expect(await a.getByTestId('call-cbr').textContent()).toBe('Constant bit rate');
    expect(await a.getByTestId('call-screen').getByRole('img', { name: 'Verified: every device in this conversation is verified' }).count()).toBe(1);
    const toolbar = a.getByRole('toolbar', { name: 'Call controls' });
    for (const name of ['Mute microphone', 'Turn camera off', 'Share your screen', 'Microphone, camera and speaker', 'Hang up']) {
      expect(await toolbar.getByRole('button', { name }).isVisible()).toBe(true);
    }
    await toolbar.getByRole('button', { name: 'Mute microphone' }).click();
    expect(await toolbar.getByRole('button', { name: 'Unmute microphone' }).getAttribute('aria-pressed')).toBe('true');
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('call-active');

    // Back to the conversations: the call shrinks to the bar, which can mute, return and hang up.
    await a.getByTestId('call-minimise').click();
    const bar = a.getByTestId('call-bar');
    await bar.waitFor();
    expect(await a.getByTestId('call-start-audio').isDisabled()).toBe(true);
    expect(await bar.getByRole('button', { name: 'Unmute microphone' }).isVisible()).toBe(true);
    expect(await bar.getByRole('button', { name: 'Hang up' }).isVisible()).toBe(true);
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('call-bar');
    await bar.getByRole('button', { name: 'Return to call' }).click();
    await a.getByTestId('call-screen').waitFor();
    // The button that had focus is gone: focus is on the call screen, not lost to the page.
    await expect.poll(() => focusedTestId(alice)).toBe('call-screen');

    await deliver(alice, view({ callId, phase: 'ended', cbr: true, reason: { kind: 'completed', durationMs: 125_000 } }));
    await expect.poll(() => a.getByTestId('call-status').textContent()).toBe('Call ended after 2:05.');
    expect(await a.getByRole('toolbar').count()).toBe(0);
    await alice.screenshots('call-ended');
    await expect.poll(() => a.getByTestId('call-screen').count(), { timeout: 10_000 }).toBe(0);
  });

  it('rings over what the user is doing, takes focus without answering, ignores Escape and says the call was missed', async () => {
    const a = alice.page;
    const composer = a.getByLabel('Message Bob Lichen');
    await composer.focus();
    // Watch what the page asks of its media elements (autoplay may refuse to sound in a headless browser).
    await a.evaluate(() => {
      type Media = { src: string; loop: boolean };
      const g = globalThis as unknown as { __ringtone: { playing: boolean; loop: boolean; src: string }; HTMLMediaElement: { prototype: { play(): Promise<void>; pause(): void } } };
      g.__ringtone = { playing: false, loop: false, src: '' };
      const proto = g.HTMLMediaElement.prototype;
      const play = proto.play;
      const pause = proto.pause;
      proto.play = function (this: Media) {
        g.__ringtone = { playing: true, loop: this.loop, src: this.src };
        return play.call(this);
      };
      proto.pause = function (this: Media) {
        g.__ringtone = { ...g.__ringtone, playing: false };
        pause.call(this);
      };
    });
    const ringtone = (): Promise<{ playing: boolean; loop: boolean; src: string }> =>
      a.evaluate(() => (globalThis as unknown as { __ringtone: { playing: boolean; loop: boolean; src: string } }).__ringtone);
    const callId = randomUUID();
    await deliver(alice, view({ callId, phase: 'incoming', direction: 'incoming', media: 'video' }));
    const prompt = a.getByRole('alertdialog', { name: 'Bob Lichen is calling you' });
    await prompt.waitFor();
    expect(await prompt.getAttribute('aria-describedby')).toBe('incoming-call-kind');
    expect(await a.locator('#incoming-call-kind').textContent()).toBe('Incoming video call');
    await expect.poll(() => focusedTestId(alice)).toBe('incoming-call');
    expect(await a.getByTestId('call-start-video').isDisabled()).toBe(true);
    await expect.poll(async () => (await ringtone()).playing).toBe(true);
    expect((await ringtone()).loop).toBe(true);
    expect((await ringtone()).src).toMatch(/ringtone-.*\.ogg$/);
    // A key the user was about to type lands on the prompt, not on a button; Escape declines nothing.
    await a.keyboard.press('Space');
    await a.keyboard.press('Escape');
    expect(await prompt.isVisible()).toBe(true);
    await a.keyboard.press('Tab');
    expect(await focusedTestId(alice)).toBe('call-decline');
    await a.keyboard.press('Tab');
    expect(await focusedTestId(alice)).toBe('call-accept-audio');
    await a.keyboard.press('Tab');
    expect(await focusedTestId(alice)).toBe('call-accept-video');
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('call-incoming');

    await deliver(alice, view({ callId, phase: 'ended', direction: 'incoming', media: 'video', reason: { kind: 'no-answer' } }));
    await expect.poll(() => a.getByTestId('incoming-call-ended').textContent()).toContain('Missed call from Bob Lichen.');
    expect(await a.getByRole('alertdialog').count()).toBe(0);
    expect((await ringtone()).playing).toBe(false);
    // Focus goes back to where the user was.
    await expect.poll(() => a.evaluate(() => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } | null } }).document.activeElement?.getAttribute('aria-label'))).toBe('Message Bob Lichen');
    await alice.screenshots('call-missed');
    await expect.poll(() => a.getByTestId('incoming-call-ended').count(), { timeout: 10_000 }).toBe(0);
  });

  it('says in plain words how each call ended', async () => {
    const a = alice.page;
    const cases: Array<{ direction: 'outgoing' | 'incoming'; live: View['phase']; reason: unknown; text: string; shot?: string }> = [
      { direction: 'outgoing', live: 'outgoing', reason: { kind: 'declined' }, text: 'Bob Lichen declined the call.', shot: 'call-ended-declined' },
      { direction: 'outgoing', live: 'outgoing', reason: { kind: 'busy' }, text: 'Bob Lichen is in another call. Try again later.' },
      { direction: 'outgoing', live: 'outgoing', reason: { kind: 'no-answer' }, text: 'Bob Lichen did not answer.' },
      {
        direction: 'outgoing',
        live: 'connecting',
        reason: { kind: 'failed', code: 'fingerprint-mismatch' },
        text: 'The call could not connect: the other device’s key did not match the one in its encrypted call message, so Cairn refused the connection.',
        shot: 'call-ended-failed',
      },
      { direction: 'outgoing', live: 'connecting', reason: { kind: 'failed', code: 'ice-failed' }, text: 'The call could not connect: no network path to the other device was found. Check your connection and try again.' },
      { direction: 'incoming', live: 'incoming', reason: { kind: 'answered-elsewhere' }, text: 'Answered on another device.', shot: 'call-answered-elsewhere' },
      { direction: 'incoming', live: 'incoming', reason: { kind: 'cancelled' }, text: 'Missed call from Bob Lichen.' },
    ];
    for (const c of cases) {
      const callId = randomUUID();
      await deliver(alice, view({ callId, phase: c.live, direction: c.direction }));
      await deliver(alice, view({ callId, phase: 'ended', direction: c.direction, reason: c.reason }));
      const where = c.live === 'incoming' ? a.getByTestId('incoming-call-ended') : a.getByTestId('call-status');
      await expect.poll(() => where.textContent()).toContain(c.text);
      if (c.shot) {
        expect(await seriousA11yViolations(a)).toEqual([]);
        await alice.screenshots(c.shot);
      }
      await expect.poll(() => where.count(), { timeout: 10_000 }).toBe(0);
    }
  });

  it('shows a call running on the user’s other device in the bar, without controls', async () => {
    const a = alice.page;
    const callId = randomUUID();
    await deliver(alice, view({ callId, phase: 'elsewhere', media: 'audio' }));
    const bar = a.getByTestId('call-bar');
    await expect.poll(() => bar.textContent()).toContain('Call in progress on your other device');
    expect(await bar.getByRole('button').count()).toBe(0);
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('call-elsewhere');
    await deliver(alice, view({ callId, phase: 'ended', media: 'audio', reason: { kind: 'completed', durationMs: null } }));
    await expect.poll(() => a.getByTestId('call-bar').count(), { timeout: 10_000 }).toBe(0);
  });

  it('offers group call buttons instead of the 1:1 ones in a group, and turns the call screen into the bar when the user opens another conversation', async () => {
    const a = alice.page;
    await groupWith(alice, bob, 'Rope team');
    await a.getByTestId('conversation-item').filter({ hasText: 'Rope team' }).click();
    await a.getByRole('heading', { name: 'Rope team' }).waitFor();
    expect(await a.getByTestId('call-start-audio').count()).toBe(0);
    expect(await a.getByTestId('conference-start-audio').count()).toBe(1);

    await a.getByTestId('conversation-item').filter({ hasText: 'Bob Lichen' }).click();
    const callId = randomUUID();
    await deliver(alice, view({ callId, phase: 'active', media: 'audio', peerMedia: { muted: false, cameraOff: true, sharing: false } }));
    await a.getByTestId('call-screen').waitFor();
    await a.getByTestId('conversation-item').filter({ hasText: 'Rope team' }).click();
    await a.getByRole('heading', { name: 'Rope team' }).waitFor();
    expect(await a.getByTestId('call-bar').textContent()).toContain('Bob Lichen');
    expect(await a.getByTestId('call-screen').count()).toBe(0);
    await a.getByTestId('call-return').click();
    await a.getByTestId('call-screen').waitFor();
    await deliver(alice, view({ callId, phase: 'ended', media: 'audio', reason: { kind: 'completed', durationMs: 3_000 } }));
    await expect.poll(() => a.getByTestId('call-screen').count(), { timeout: 10_000 }).toBe(0);
  });
});
