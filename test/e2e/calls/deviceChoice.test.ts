/**
 * The microphone, camera and speaker choice (issue 13, "speaker selection (remembered)"): chosen
 * in Settings → Calls or in the call screen's picker, kept by the core in the profile's
 * preferences, and shown again after a reload. Chromium's fake capture gives the devices.
 */
import { randomUUID } from 'node:crypto';
import type { Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { seriousA11yViolations } from '../../host/axe';
import { RENDERER_HEADERS } from '../../host/headers';
import type { TestClient } from '../../host/testHost';
import { useTestHost } from '../../host/testHost';
import { useTestServer } from '../../support/testServer';
import { bridgeRequest, launchAliceAndBob, userOf } from '../support/signUp';

const env = useTestServer('e2e-device-choice');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });
let alice: TestClient;
let conversationId: string;
let bobRef: { id: string; domain: string };

const CallPreferences = z.object({
  'calls.microphone': z.string().nullable(),
  'calls.camera': z.string().nullable(),
  'calls.speaker': z.string().nullable(),
  'calls.constantBitRate': z.boolean(),
});
const Option = z.object({ value: z.string(), label: z.string(), selected: z.boolean() });

async function callPreferences(): Promise<z.infer<typeof CallPreferences>> {
  const result = await bridgeRequest(alice.page, 'preferences.get', {});
  if (!result.ok) throw new Error(result.error?.message);
  return CallPreferences.parse(result.value);
}

/** The options of a select, as the user sees them. */
async function options(select: Locator): Promise<z.infer<typeof Option>[]> {
  const raw: unknown = await select.evaluate((element) =>
    Array.from((element as unknown as { options: ArrayLike<{ value: string; label: string; selected: boolean }> }).options, (o) => ({
      value: o.value,
      label: o.label,
      selected: o.selected,
    })),
  );
  return z.array(Option).parse(raw);
}

/** The first device the browser names for `select` (not the system default). */
async function firstNamedDevice(select: Locator): Promise<z.infer<typeof Option>> {
  let named: z.infer<typeof Option> | undefined;
  await expect
    .poll(async () => {
      named = (await options(select)).find((option) => option.value !== '' && !/^(Microphone|Camera|Speaker) \d+$/.test(option.label));
      return named !== undefined;
    })
    .toBe(true);
  if (!named) throw new Error('no named device');
  return named;
}

async function openSettings(page: Page): Promise<Locator> {
  await page.getByRole('button', { name: 'Settings' }).click();
  const section = page.getByTestId('call-settings');
  await section.waitFor();
  return section;
}

type Focused = { document: { activeElement: { getAttribute(n: string): string | null; tagName: string } | null } };
const focused = (page: Page): Promise<string | null | undefined> =>
  page.evaluate(() => {
    const active = (globalThis as unknown as Focused).document.activeElement;
    return active?.getAttribute('data-testid') ?? active?.getAttribute('id');
  });

beforeAll(async () => {
  const launched = await launchAliceAndBob(hostEnv.host, env.server, env.root);
  alice = launched.alice;
  bobRef = await userOf(launched.bob);
  await launched.bob.close();
  const opened = await bridgeRequest(alice.page, 'conversations.openOneToOne', { user: bobRef });
  if (!opened.ok) throw new Error(opened.error?.message);
  conversationId = (opened.value as { id: string }).id;
});

describe('choosing the microphone, camera and speaker for calls', () => {
  it('remembers the devices chosen in Settings → Calls, and "Constant bit rate", across a reload', async () => {
    const page = alice.page;
    expect(await callPreferences()).toEqual({ 'calls.microphone': null, 'calls.camera': null, 'calls.speaker': null, 'calls.constantBitRate': false });
    const section = await openSettings(page);
    const microphone = section.getByLabel('Microphone', { exact: true });
    const camera = section.getByLabel('Camera', { exact: true });
    expect(await section.getByLabel('Speaker', { exact: true }).inputValue()).toBe('');
    expect((await options(microphone))[0]).toEqual({ value: '', label: 'Same as the system', selected: true });

    const mic = await firstNamedDevice(microphone);
    const cam = await firstNamedDevice(camera);
    await microphone.selectOption(mic.value);
    await camera.selectOption(cam.value);
    await section.getByLabel('Constant bit rate').check();
    await expect.poll(callPreferences).toEqual({ 'calls.microphone': mic.value, 'calls.camera': cam.value, 'calls.speaker': null, 'calls.constantBitRate': true });
    expect(await seriousA11yViolations(page)).toEqual([]);
    await section.scrollIntoViewIfNeeded();
    await alice.screenshots('settings-calls');

    await page.reload();
    await page.getByTestId('signed-in-name').waitFor();
    const again = await openSettings(page);
    await expect.poll(() => again.getByLabel('Microphone', { exact: true }).inputValue()).toBe(mic.value);
    expect((await options(again.getByLabel('Microphone', { exact: true }))).find((option) => option.selected)?.label).toBe(mic.label);
    expect(await again.getByLabel('Camera', { exact: true }).inputValue()).toBe(cam.value);
    expect(await again.getByLabel('Constant bit rate').isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Back to conversations' }).click();
  });

  it('opens the picker from the call screen, works from the keyboard, and keeps the change across a reload', async () => {
    const page = alice.page;
    const before = await callPreferences();
    await page.evaluate((message) => (globalThis as { __cairnReceive?: (x: unknown) => void }).__cairnReceive?.(message), {
      kind: 'event',
      event: 'call.state',
      payload: { callId: randomUUID(), conversationId, peer: bobRef, direction: 'outgoing', media: 'video', cbr: true, phase: 'active', since: Date.now() },
    });
    const button = page.getByRole('button', { name: 'Microphone, camera and speaker' });
    await button.click();
    const picker = page.getByRole('dialog', { name: 'Microphone, camera and speaker' });
    await picker.waitFor();
    const microphone = picker.getByLabel('Microphone', { exact: true });
    expect(await microphone.inputValue()).toBe(before['calls.microphone']);
    // Focus starts on the first choice; the arrow key picks the option above: the system default.
    await expect.poll(() => focused(page)).toBe(await microphone.getAttribute('id'));
    await page.keyboard.press('Home');
    await expect.poll(async () => (await callPreferences())['calls.microphone']).toBeNull();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await alice.screenshots('call-device-picker');

    await page.keyboard.press('Escape');
    await picker.waitFor({ state: 'hidden' });
    await expect.poll(() => focused(page)).toBe('call-devices');

    await page.reload();
    await page.getByTestId('signed-in-name').waitFor();
    expect(await callPreferences()).toEqual({ ...before, 'calls.microphone': null });
  });
});
