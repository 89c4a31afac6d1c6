/**
 * 1:1 calls end to end (issue 13): real server over TLS, a real core per device, the app's own
 * page in Chromium placing the call through the call contract. Alice and Bob each run in their
 * own Chromium process with their own fake microphone tone (the file is per process: shared/
 * reference/feas-calls §4), so each side can prove it decodes the OTHER side's audio; the page
 * probe (renderer/calls/harness/callProbe.ts) reads what the app's peer connection decodes. Bob's second
 * device and Carol share the host's Chromium. Carol's core rings for only a few seconds (the
 * core's `callTimings`), for the missed call.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { seriousA11yViolations } from '../../host/axe';
import { makeTone } from '../../host/callHarness';
import { RENDERER_HEADERS } from '../../host/headers';
import type { LaunchOptions, TestClient } from '../../host/testHost';
import { bundleInitScript, useTestHost } from '../../host/testHost';
import { TEST_PASSWORD } from '../../support/serverAccounts';
import { useTestServer } from '../../support/testServer';
import { bridgeRequest, signUpThroughBridge, userOf } from '../support/signUp';

const env = useTestServer('e2e-real-call', { coturn: true });
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });

const ALICE_HZ = 440;
const BOB_HZ = 660;
/** An FFT bin at 48 kHz / 8192 is 5.9 Hz wide; the codec moves the peak by a bin or two. */
const TONE_TOLERANCE_HZ = 15;
const CARROL_RING_MS = 3_000;

const Tone = z.object({ peakHz: z.number().nullable(), rms: z.number() });
const Rtp = z.object({ framesDecoded: z.number(), frameWidth: z.number(), connection: z.string() });
const Pair = z.object({ local: z.string().nullable(), remote: z.string().nullable() });
const Resources = z.object({ connections: z.number(), open: z.number(), liveTracks: z.array(z.string()) });
const Senders = z.array(z.object({ kind: z.string(), label: z.string(), deviceId: z.string().nullable(), transform: z.boolean() }));
const Option = z.object({ value: z.string(), label: z.string() });

let work: string;
let alice: TestClient;
let bob: TestClient;
let bobTablet: TestClient;
let carol: TestClient;

const probe = {
  tone: async (client: TestClient) => Tone.parse(await client.page.evaluate('cairnCallProbe.tone()')),
  rtp: async (client: TestClient) => Rtp.parse(await client.page.evaluate('cairnCallProbe.rtp()')),
  selectedPair: async (client: TestClient) => Pair.parse(await client.page.evaluate('cairnCallProbe.selectedPair()')),
  resources: async (client: TestClient) => Resources.parse(await client.page.evaluate('cairnCallProbe.resources()')),
  senders: async (client: TestClient) => Senders.parse(await client.page.evaluate('cairnCallProbe.senders()')),
  sinkIds: async (client: TestClient) => z.array(z.string()).parse(await client.page.evaluate('cairnCallProbe.sinkIds()')),
};

/** The devices a select of the picker offers (not "Same as the system"). */
const devicesIn = async (page: Page, label: string): Promise<z.infer<typeof Option>[]> =>
  z.array(Option).parse(
    await page
      .getByRole('dialog', { name: 'Microphone, camera and speaker' })
      .getByLabel(label, { exact: true })
      .evaluate((select) => Array.from((select as unknown as { options: ArrayLike<{ value: string; label: string }> }).options, (o) => ({ value: o.value, label: o.label })).filter((o) => o.value !== '')),
  );

const near = (hz: number) => (tone: z.infer<typeof Tone>) => tone.peakHz !== null && Math.abs(tone.peakHz - hz) <= TONE_TOLERANCE_HZ;

const phaseOf = (page: Page): Promise<string | null> =>
  page.getByTestId('call-screen').count().then((n) => (n === 0 ? null : page.getByTestId('call-screen').getAttribute('data-phase')));

/** The call's lines in the open conversation's history (system lines), newest last. */
const historyOf = (page: Page): Promise<string[]> => page.locator('p.system[data-testid="message"]').allTextContents();

async function launch(profile: string, extra: Partial<LaunchOptions>): Promise<TestClient> {
  return hostEnv.host.launch({
    dataDir: path.join(env.root, profile),
    defaultServer: { url: env.server.url, pins: [env.server.pin] },
    ...extra,
  });
}

async function signUp(client: TestClient, email: string, name: string): Promise<void> {
  await client.page.getByLabel('Server address').waitFor();
  await signUpThroughBridge(client.page, env.server, env.root, email, name);
  await client.page.getByTestId('signed-in-name').waitFor();
}

async function open(client: TestClient, name: string): Promise<void> {
  const item = client.page.getByTestId('conversation-item').filter({ hasText: name });
  await item.waitFor({ timeout: 20_000 });
  await item.click();
  await client.page.getByRole('heading', { name }).waitFor();
}

/** Waits until no call shows on the client (the ended sentence goes after 4 s). */
async function settled(client: TestClient): Promise<void> {
  await expect.poll(async () => (await client.page.getByTestId('call-screen').count()) + (await client.page.getByTestId('incoming-call').count()), { timeout: 15_000 }).toBe(0);
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'cairn-real-call-'));
  const [probeScript, aliceTone, bobTone] = await Promise.all([bundleInitScript('renderer/calls/harness/callProbe.ts'), makeTone(work, ALICE_HZ), makeTone(work, BOB_HZ)]);
  const media = (tone: string): Partial<LaunchOptions> => ({ chromiumArgs: [`--use-file-for-fake-audio-capture=${tone}`], initScripts: [probeScript] });
  // Alice's Chromium has three fake cameras (and, as always, three fake microphones), so she can
  // switch mid-call. Measured: fake_device_1 is a depth camera (Y16) that WebRTC never encodes,
  // so the switch goes to fake_device_2.
  const cameras = media(aliceTone);
  [alice, bob, carol] = await Promise.all([
    launch('alice', { ...cameras, chromiumArgs: [...(cameras.chromiumArgs ?? []), '--use-fake-device-for-media-stream=device-count=3'] }),
    launch('bob', { ...media(bobTone), colorScheme: 'dark' }),
    // Carol's core alters the DTLS fingerprint in every call description it receives (the core's
    // test seam), consistently in the SDP and the MLS field: only the DTLS handshake can notice.
    launch('carol', { initScripts: [probeScript], callTimings: { ringMs: CARROL_RING_MS }, testSeams: { alterReceivedCallFingerprints: true } }),
  ]);
  await Promise.all([signUp(alice, 'alice@example.test', 'Alice Moss'), signUp(bob, 'bob@example.test', 'Bob Lichen'), signUp(carol, 'carol@example.test', 'Carol Reed')]);
  // Bob's second device signs in before the conversations exist, so each has both of his devices.
  bobTablet = await launch('bob-tablet', { initScripts: [probeScript] });
  await bobTablet.page.getByLabel('Server address').waitFor();
  const signedIn = await bridgeRequest(bobTablet.page, 'account.login', { server: { url: env.server.url, pins: [env.server.pin] }, email: 'bob@example.test', password: TEST_PASSWORD });
  if (!signedIn.ok) throw new Error(signedIn.error?.message);
  await bobTablet.page.reload();
  await bobTablet.page.getByTestId('signed-in-name').waitFor();

  const bobRef = await userOf(bob);
  for (const caller of [alice, carol]) {
    const opened = await bridgeRequest(caller.page, 'conversations.openOneToOne', { user: bobRef });
    if (!opened.ok) throw new Error(opened.error?.message);
  }
  await open(alice, 'Bob Lichen');
  await open(carol, 'Bob Lichen');
  await open(bob, 'Alice Moss');
  await open(bobTablet, 'Alice Moss');
}, 120_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('a 1:1 call through real cores', () => {
  it('Alice calls Bob with video: both his devices ring, he answers on one, the other stops, each side hears the other\'s tone and sees video', async () => {
    const a = alice.page;
    const b = bob.page;
    await a.getByRole('button', { name: 'Video call with Bob Lichen' }).click();
    await expect.poll(() => phaseOf(a), { timeout: 15_000 }).toBe('outgoing');
    expect(await a.getByTestId('call-status').textContent()).toBe('Calling…');
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('real-call-outgoing');

    await b.getByTestId('incoming-call').waitFor({ timeout: 15_000 });
    await bobTablet.page.getByTestId('incoming-call').waitFor({ timeout: 15_000 });
    expect(await seriousA11yViolations(b)).toEqual([]);
    await bob.screenshots('real-call-incoming');

    await b.getByTestId('call-accept-video').click();
    // The tablet stops ringing and says why; then its prompt goes.
    await expect.poll(() => bobTablet.page.getByTestId('incoming-call-ended').textContent(), { timeout: 10_000 }).toContain('Answered on another device.');
    await expect.poll(() => bobTablet.page.getByTestId('incoming-call').count(), { timeout: 10_000 }).toBe(0);
    expect((await probe.resources(bobTablet)).connections).toBe(0);

    await expect.poll(() => phaseOf(a), { timeout: 20_000 }).toBe('active');
    await expect.poll(() => phaseOf(b), { timeout: 20_000 }).toBe('active');
    expect(near(BOB_HZ)(await pollTone(alice, near(BOB_HZ)))).toBe(true);
    expect(near(ALICE_HZ)(await pollTone(bob, near(ALICE_HZ)))).toBe(true);
    for (const client of [alice, bob]) await expect.poll(async () => (await probe.rtp(client)).framesDecoded, { timeout: 20_000 }).toBeGreaterThan(30);
    await a.locator('video.remote').waitFor();
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('real-call-active');
    await bob.screenshots('real-call-active-bob');
  }, 90_000);

  it('Bob mutes: his tone vanishes at Alice, who sees him muted; unmuted, it is back', async () => {
    await bob.page.getByTestId('call-mute').click();
    await expect.poll(async () => (await probe.tone(alice)).peakHz, { timeout: 10_000 }).toBeNull();
    await expect.poll(() => alice.page.getByTestId('call-peer-state').textContent(), { timeout: 10_000 }).toContain('Bob Lichen is muted');
    await bob.page.getByTestId('call-mute').click();
    expect(near(BOB_HZ)(await pollTone(alice, near(BOB_HZ)))).toBe(true);
  }, 30_000);

  it('Alice shares her screen: Bob decodes it and is told', async () => {
    const before = await probe.rtp(bob);
    await alice.page.getByTestId('call-share').click();
    await expect.poll(() => bob.page.getByTestId('call-peer-state').textContent(), { timeout: 10_000 }).toContain('Alice Moss is sharing their screen');
    await expect.poll(async () => (await probe.rtp(bob)).framesDecoded, { timeout: 15_000 }).toBeGreaterThan(before.framesDecoded + 30);
    expect((await probe.resources(alice)).liveTracks).toEqual(['audio', 'video', 'video']);
    await alice.page.getByTestId('call-share').click();
    await expect.poll(async () => (await probe.resources(alice)).liveTracks, { timeout: 10_000 }).toEqual(['audio', 'video']);
  }, 30_000);

  it('Alice picks another microphone, camera and speaker mid-call: the call switches to them, still encrypted, and Bob still hears and sees her', async () => {
    const a = alice.page;
    const before = await probe.senders(alice);
    const sentBefore = (kind: string) => before.find((s) => s.kind === kind);
    await a.getByRole('button', { name: 'Microphone, camera and speaker' }).click();
    const picker = a.getByRole('dialog', { name: 'Microphone, camera and speaker' });
    await picker.waitFor();
    // Choose a device that is not the one in use now, of each kind.
    const microphone = (await devicesIn(a, 'Microphone')).find((d) => d.value !== sentBefore('audio')?.deviceId && d.label !== sentBefore('audio')?.label);
    const camera = (await devicesIn(a, 'Camera')).find((d) => d.label === 'fake_device_2' && d.value !== sentBefore('video')?.deviceId);
    const speaker = (await devicesIn(a, 'Speaker'))[0];
    if (microphone === undefined || camera === undefined || speaker === undefined) throw new Error('Chromium offered only one device of a kind');
    const decodedBefore = (await probe.rtp(bob)).framesDecoded;
    await picker.getByLabel('Microphone', { exact: true }).selectOption(microphone.value);
    await picker.getByLabel('Camera', { exact: true }).selectOption(camera.value);
    await picker.getByLabel('Speaker', { exact: true }).selectOption(speaker.value);
    await picker.getByRole('button', { name: 'Done' }).click();

    // The running call's senders carry the new tracks (replaceTrack: same senders, transforms still on them).
    await expect
      .poll(async () => (await probe.senders(alice)).map((s) => ({ kind: s.kind, label: s.label, deviceId: s.deviceId, transform: s.transform })), { timeout: 15_000 })
      .toEqual([
        { kind: 'audio', label: microphone.label, deviceId: microphone.value, transform: true },
        { kind: 'video', label: camera.label, deviceId: camera.value, transform: true },
      ]);
    expect(camera.label).not.toBe(sentBefore('video')?.label);
    await expect.poll(() => probe.sinkIds(alice), { timeout: 10_000 }).toContain(speaker.value);
    // Bob decrypts and decodes the new camera's frames and hears Alice's tone from the new microphone.
    await expect.poll(async () => (await probe.rtp(bob)).framesDecoded, { timeout: 15_000 }).toBeGreaterThan(decodedBefore + 30);
    expect(near(ALICE_HZ)(await pollTone(bob, near(ALICE_HZ)))).toBe(true);
    // The old camera and microphone were released: one track of each kind is live.
    expect((await probe.resources(alice)).liveTracks.sort()).toEqual(['audio', 'video']);
  }, 40_000);

  it('Carol calls Bob while he is in the call: she hears he is busy, he finds a missed call', async () => {
    await carol.page.getByRole('button', { name: 'Video call with Bob Lichen' }).click();
    await expect.poll(() => carol.page.getByTestId('call-status').textContent(), { timeout: 15_000 }).toBe('Bob Lichen is in another call. Try again later.');
    await expect.poll(() => historyOf(carol.page), { timeout: 10_000 }).toContain('Bob Lichen was busy in another call.');
    expect(await phaseOf(bob.page)).toBe('active');
    await settled(carol);
  }, 30_000);

  it('Alice reads another conversation: the call shrinks to the call bar and comes back', async () => {
    const a = alice.page;
    await a.getByTestId('call-minimise').click();
    await a.getByTestId('call-bar').waitFor();
    expect(await a.getByTestId('call-bar').getAttribute('data-phase')).toBe('active');
    expect(await seriousA11yViolations(a)).toEqual([]);
    await alice.screenshots('real-call-bar');
    await a.getByTestId('call-return').click();
    await expect.poll(() => phaseOf(a)).toBe('active');
  });

  it('Alice hangs up: both sides end within a second, release camera and microphone, and write the call in the history', async () => {
    // Both times are taken in the pages (one wall clock on this machine): when Alice's click
    // lands and when Bob's screen turns to the end, so the test's own polling adds nothing.
    const bobEnded = bob.page.evaluate(WHEN_ENDED);
    await alice.page.evaluate(MARK_HANG_UP_CLICK);
    await alice.page.getByTestId('call-hang-up').click();
    const bobEndedMs = z.number().parse(await bobEnded) - z.number().parse(await alice.page.evaluate('globalThis.hangUpClickedAt'));
    expect(bobEndedMs).toBeLessThan(1_000);
    await expect.poll(() => phaseOf(alice.page)).toBe('ended');
    for (const client of [alice, bob]) {
      expect(await probe.resources(client)).toMatchObject({ open: 0, liveTracks: [] });
      expect(await client.page.getByTestId('call-status').textContent()).toMatch(/^Call ended after 0:\d\d\.$/);
    }
    await expect.poll(() => historyOf(alice.page), { timeout: 10_000 }).toContainEqual(expect.stringMatching(/^Call with Bob Lichen, 0:\d\d\.$/));
    await expect.poll(() => historyOf(bob.page), { timeout: 10_000 }).toContainEqual(expect.stringMatching(/^Call with Alice Moss, 0:\d\d\.$/));
    await Promise.all([settled(alice), settled(bob)]);
  }, 30_000);

  it('Bob declines: Alice is told, both of his devices stop ringing, each history says so', async () => {
    await alice.page.getByRole('button', { name: 'Voice call with Bob Lichen' }).click();
    await bob.page.getByTestId('incoming-call').waitFor({ timeout: 15_000 });
    await bobTablet.page.getByTestId('incoming-call').waitFor({ timeout: 15_000 });
    await bob.page.getByTestId('call-decline').click();
    await expect.poll(() => alice.page.getByTestId('call-status').textContent(), { timeout: 10_000 }).toBe('Bob Lichen declined the call.');
    await expect.poll(() => bobTablet.page.getByTestId('incoming-call').count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => historyOf(alice.page), { timeout: 10_000 }).toContain('Bob Lichen declined the call.');
    await expect.poll(() => historyOf(bob.page), { timeout: 10_000 }).toContain('You declined a call from Alice Moss.');
    expect((await probe.resources(alice)).liveTracks).toEqual([]);
    await Promise.all([settled(alice), settled(bob)]);
  }, 40_000);

  it('Alice cancels while it rings: Bob\'s prompt says he missed her call, and so does his history', async () => {
    await alice.page.getByRole('button', { name: 'Voice call with Bob Lichen' }).click();
    await bob.page.getByTestId('incoming-call').waitFor({ timeout: 15_000 });
    await alice.page.getByTestId('call-cancel').click();
    await expect.poll(() => bob.page.getByTestId('incoming-call-ended').textContent(), { timeout: 10_000 }).toContain('Missed call from Alice Moss.');
    await expect.poll(() => alice.page.getByTestId('call-status').textContent(), { timeout: 10_000 }).toBe('Call cancelled.');
    await expect.poll(() => historyOf(alice.page), { timeout: 10_000 }).toContain('You cancelled the call to Bob Lichen.');
    await expect.poll(() => historyOf(bob.page), { timeout: 10_000 }).toContain('Missed call from Alice Moss.');
    expect((await probe.resources(alice)).liveTracks).toEqual([]);
    await Promise.all([settled(alice), settled(bob)]);
  }, 40_000);

  it('nobody answers Carol: her ring time runs out, she is told, Bob has a missed call', async () => {
    await carol.page.getByRole('button', { name: 'Voice call with Bob Lichen' }).click();
    await bob.page.getByTestId('incoming-call').waitFor({ timeout: 15_000 });
    await expect.poll(() => carol.page.getByTestId('call-status').textContent(), { timeout: CARROL_RING_MS + 10_000 }).toBe('Bob Lichen did not answer.');
    await expect.poll(() => bob.page.getByTestId('incoming-call-ended').textContent(), { timeout: 10_000 }).toContain('Missed call from Carol Reed.');
    await open(bob, 'Carol Reed');
    await expect.poll(() => historyOf(bob.page), { timeout: 10_000 }).toContain('Missed call from Carol Reed.');
    // Her earlier call, while he was talking to Alice, is there too.
    expect(await historyOf(bob.page)).toContain('Missed call from Carol Reed while you were in another call.');
    await expect.poll(() => historyOf(carol.page), { timeout: 10_000 }).toContain('Bob Lichen did not answer.');
    await Promise.all([settled(carol), settled(bob)]);
  }, 40_000);

  it('a certificate that is not the one the encrypted answer vouched for: the call refuses to connect and says why', async () => {
    await carol.page.getByRole('button', { name: 'Voice call with Bob Lichen' }).click();
    await bob.page.getByTestId('incoming-call').waitFor({ timeout: 15_000 });
    await bob.page.getByTestId('call-accept-audio').click();
    const refused = 'The call with Bob Lichen was refused because its encryption could not be verified.';
    await expect
      .poll(() => carol.page.getByTestId('call-status').textContent(), { timeout: 20_000 })
      .toBe('The call could not connect: the secure connection to the other device could not be set up.');
    await expect.poll(() => historyOf(carol.page), { timeout: 10_000 }).toContain(refused);
    // Bob's side fails in the same handshake (or by Carol's hang-up, whichever comes first).
    await expect
      .poll(() => historyOf(bob.page), { timeout: 20_000 })
      .toContainEqual(expect.stringMatching(/^The call with Carol Reed (was refused because its encryption could not be verified|could not be connected)\.$/));
    // No media flowed: nothing of Bob's was decoded, and both sides let go of their devices.
    expect((await probe.tone(carol)).peakHz).toBeNull();
    for (const client of [carol, bob]) await expect.poll(async () => (await probe.resources(client)).liveTracks).toEqual([]);
  }, 40_000);

  it('with "Always relay calls" on, Alice\'s call to Bob goes through the server\'s coturn only, and they still hear each other', async () => {
    const turnedOn = await bridgeRequest(alice.page, 'preferences.set', { 'calls.alwaysRelay': true });
    expect(turnedOn.ok).toBe(true);
    await alice.page.getByRole('button', { name: 'Voice call with Bob Lichen' }).click();
    await bob.page.getByTestId('incoming-call').waitFor({ timeout: 15_000 });
    await bob.page.getByTestId('call-accept-audio').click();
    await expect.poll(() => phaseOf(alice.page), { timeout: 20_000 }).toBe('active');
    expect(near(BOB_HZ)(await pollTone(alice, near(BOB_HZ)))).toBe(true);
    expect(near(ALICE_HZ)(await pollTone(bob, near(ALICE_HZ)))).toBe(true);
    // Alice offered relay candidates only, so every pair she could use runs through coturn.
    expect((await probe.selectedPair(alice)).local).toBe('relay');
    await alice.page.getByTestId('call-hang-up').click();
    await expect.poll(() => phaseOf(bob.page), { timeout: 5_000 }).toBe('ended');
    await bridgeRequest(alice.page, 'preferences.set', { 'calls.alwaysRelay': false });
  }, 40_000);
});

/** In a page: resolves with the wall-clock time at which its call screen shows the call ended. */
const WHEN_ENDED = `new Promise((resolve) => {
  const ended = () => document.querySelector('[data-testid="call-screen"][data-phase="ended"]') !== null;
  if (ended()) return resolve(Date.now());
  const observer = new MutationObserver(() => {
    if (!ended()) return;
    observer.disconnect();
    resolve(Date.now());
  });
  observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-phase'] });
})`;

/** In a page: remembers when the hang-up button is clicked (before the app's own handler runs). */
const MARK_HANG_UP_CLICK = `document.querySelector('[data-testid="call-hang-up"]').addEventListener('click', () => { globalThis.hangUpClickedAt = Date.now(); }, { capture: true })`;

/** Polls the tone on `client`'s remote audio until `done`, for up to 15 s; answers the last reading. */
async function pollTone(client: TestClient, done: (tone: z.infer<typeof Tone>) => boolean): Promise<z.infer<typeof Tone>> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const tone = await probe.tone(client);
    if (done(tone) || Date.now() > deadline) return tone;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
