/**
 * The conversation view in Chromium (issue 5): opening a conversation of 100 000 messages and
 * scrolling back through 1 000 of them, with the real renderer, the real core (encrypted store)
 * and the test host's Debian Chromium.
 *
 * - Open: click the conversation in the list until its newest message is painted (timed in the page). Baseline in
 *   the same run: opening an empty conversation the same way (same clicks, same IPC, no rows).
 * - Scroll: move the history down by 120 px per animation frame until 1 000 messages have passed
 *   (older pages load on the way, as for a user). Frames over 16.7 ms are counted. Baseline in the
 *   same run: the same number of animation frames with the page idle, which shows what this
 *   machine's frame clock does without any work.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build as viteBuild } from 'vite';
import { openProfileStore } from '../electron/core/store/openProfileStore';
import { startServer } from '../server/server';
import { signUpThroughBridge, bridgeRequest } from '../test/e2e/support/signUp';
import { RENDERER_HEADERS } from '../test/host/headers';
import { REPO_ROOT, TEST_PROFILE_STORE, startTestHost } from '../test/host/testHost';
import type { BenchResult } from './harness';

const MESSAGES = 100_000;
const SCROLL_MESSAGES = 1_000;
const OPENS = 8;
const WORDS = ['granite', 'trail', 'summit', 'river', 'lichen', 'moss', 'ridge', 'camp', 'cairn', 'stone', 'path', 'north'];

interface FrameStats {
  readonly frames: number;
  readonly slow: number;
  /** Frames that took longer than two frame periods: at least one frame dropped. */
  readonly dropped: number;
  readonly meanMs: number;
  readonly worstMs: number;
}

export async function run(): Promise<BenchResult[]> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'cairn-bench-list-'));
  await viteBuild({ configFile: path.join(REPO_ROOT, 'renderer/vite.config.ts'), logLevel: 'silent' });
  const started = await startServer({ dataDir: path.join(root, 'server'), port: 0, logLevel: 'silent' });
  if (!started.ok) throw new Error(started.error.message);
  const server = started.value;
  const host = await startTestHost({ headers: RENDERER_HEADERS });
  const dataDir = path.join(root, 'profile');
  await mkdir(dataDir);
  try {
    // An account and two conversations, made through the real core.
    let client = await host.launch({ dataDir, defaultServer: { url: server.url, pins: [server.pin] } });
    await signUpThroughBridge(client.page, server, root, 'bench@example.test', 'Bench Walker');
    const status = await bridgeRequest(client.page, 'account.status', {});
    const user = (status.value as { user: { id: string; domain: string } }).user;
    const selfId = `${user.id}@${user.domain}`;
    const full = await bridgeRequest(client.page, 'conversations.create', { name: 'Long history', members: [] });
    const empty = await bridgeRequest(client.page, 'conversations.create', { name: 'Quiet', members: [] });
    if (!full.ok || !empty.ok) throw new Error('could not create the conversations');
    const fullId = (full.value as { id: string }).id;
    await client.close();

    await seedHistory(dataDir, fullId, selfId);

    client = await host.launch({ dataDir, viewport: { width: 1100, height: 760 } });
    const page = client.page;
    const item = (name: string) => page.getByTestId('conversation-item').filter({ hasText: name });
    await item('Quiet').waitFor();
    await item('Long history').waitFor();

    const newest = `number ${MESSAGES - 1}`;
    await page.evaluate(PAGE_SCRIPT);
    const inPage = <T>(call: string, argument: unknown): Promise<T> => page.evaluate(`__bench.${call}(${JSON.stringify(argument)})`);
    const openTimes: number[] = [];
    const emptyTimes: number[] = [];
    for (let i = 0; i < OPENS + 1; i++) {
      const full = await inPage<number>('open', { name: 'Long history', shows: newest });
      const quiet = await inPage<number>('open', { name: 'Quiet', shows: 'end-to-end encrypted with MLS' });
      // The first round warms up both paths and is not counted.
      if (i > 0) {
        openTimes.push(full);
        emptyTimes.push(quiet);
      }
    }

    const listTimes: number[] = [];
    for (let i = 0; i < 11; i++) {
      const start = performance.now();
      await bridgeRequest(page, 'messages.list', { conversationId: fullId, limit: 100 });
      listTimes.push(performance.now() - start);
    }
    listTimes.sort((a, b) => a - b);
    process.stdout.write(`one page of 100 messages over the test host's IPC, from Node through the page (messages.list): median ${(listTimes[5] ?? 0).toFixed(1)} ms\n`);
    await item('Long history').click();
    await page.getByTestId('message-list').getByText(newest).waitFor({ state: 'visible' });
    const scroll = await inPage<FrameStats>('scrollBack', { messages: SCROLL_MESSAGES, newest: MESSAGES - 1 });
    const idle = await inPage<FrameStats>('idleFrames', scroll.frames);
    await client.close();

    process.stdout.write(
      [
        `scroll back through ${SCROLL_MESSAGES} of ${MESSAGES} messages: ${scroll.frames} frames, ${scroll.slow} over 16.7 ms, ${scroll.dropped} over 33.4 ms,` +
          ` mean ${scroll.meanMs.toFixed(1)} ms, worst ${scroll.worstMs.toFixed(1)} ms`,
        `  idle page, same number of frames: ${idle.slow} over 16.7 ms, ${idle.dropped} over 33.4 ms, mean ${idle.meanMs.toFixed(1)} ms, worst ${idle.worstMs.toFixed(1)} ms`,
        '',
      ].join('\n'),
    );
    return [
      {
        name: `open a conversation of ${MESSAGES} messages until its newest is on screen`,
        baselineName: 'open an empty conversation',
        baseline: timing(emptyTimes),
        subject: timing(openTimes),
      },
      {
        name: `scroll back through ${SCROLL_MESSAGES} messages, mean frame time`,
        baselineName: 'idle animation frames',
        baseline: { medianUs: idle.meanMs * 1000, operations: idle.frames },
        subject: { medianUs: scroll.meanMs * 1000, operations: scroll.frames },
      },
    ];
  } finally {
    await host.close();
    await server.close();
    await rm(root, { recursive: true, force: true });
  }
}

function timing(samplesMs: readonly number[]): { medianUs: number; operations: number } {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return { medianUs: (sorted[Math.floor(sorted.length / 2)] ?? 0) * 1000, operations: sorted.length };
}

/** Writes the history straight into the profile's encrypted store while no core has it open. */
async function seedHistory(dataDir: string, conversationId: string, selfId: string): Promise<void> {
  const opened = await openProfileStore(dataDir, TEST_PROFILE_STORE);
  if (!opened.ok) throw new Error(opened.error.message);
  const { db } = opened.value;
  try {
    const other = 'b0b0b0b0-0000-4000-8000-000000000001@bench.test';
    db.prepare('INSERT OR REPLACE INTO users (id, name, handle, updated_at) VALUES (?, ?, NULL, 0)').run(other, 'Ridge Runner');
    const insert = db.prepare(
      `INSERT INTO messages (id, conversation_id, sender_user_id, sender_client_id, kind, body, sent_at, received_at, status)
       VALUES (?, ?, ?, 'client', 'text', ?, ?, ?, ?)`,
    );
    // A thousand messages a day for a hundred days, one to three lines, from two people.
    const firstDay = Date.now() - 100 * 86_400_000;
    db.transaction(() => {
      for (let i = 0; i < MESSAGES; i++) {
        const words = 4 + ((i * 7) % 40);
        const body = Array.from({ length: words }, (_, w) => WORDS[(i * 5 + w * 3) % WORDS.length]).join(' ') + ` number ${i}`;
        const own = i % 3 === 0;
        const sentAt = firstDay + Math.floor(i / 1000) * 86_400_000 + (i % 1000) * 60_000;
        insert.run(`00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`, conversationId, own ? selfId : other, body, sentAt, sentAt, own ? 'sent' : 'received');
      }
    })();
  } finally {
    opened.value.close();
  }
}

/**
 * The in-page half, as plain JavaScript (the page has no module loader; bench code is type-checked
 * for Node). Installs `__bench.open`, `__bench.scrollBack` and `__bench.idleFrames`.
 */
const PAGE_SCRIPT = String.raw`
(() => {
  const stats = (values) => ({
    frames: values.length,
    slow: values.filter((d) => d > 16.7).length,
    dropped: values.filter((d) => d > 33.4).length,
    meanMs: values.reduce((a, b) => a + b, 0) / Math.max(1, values.length),
    worstMs: Math.max(0, ...values),
  });
  const list = () => document.querySelector('[data-testid="message-list"]');

  // Clicks a conversation in the list; resolves, in ms, once a frame showing "shows" inside the
  // list's visible area has been painted.
  const open = ({ name, shows }) => {
    const button = [...document.querySelectorAll('[data-testid="conversation-item"]')].find((b) => (b.textContent || '').includes(name));
    if (!button) throw new Error('no conversation named ' + name);
    const start = performance.now();
    button.click();
    return new Promise((resolve, reject) => {
      const check = () => {
        const scroller = list();
        const box = scroller && scroller.getBoundingClientRect();
        const visible = box && [...scroller.querySelectorAll('p')].some((p) => {
          if (!(p.textContent || '').includes(shows)) return false;
          const r = p.getBoundingClientRect();
          return r.height > 0 && r.bottom <= box.bottom + 1 && r.top >= box.top - 1;
        });
        if (visible) requestAnimationFrame(() => resolve(performance.now() - start));
        else if (performance.now() - start > 30000) reject(new Error(name + ' did not show ' + shows));
        else requestAnimationFrame(check);
      };
      requestAnimationFrame(check);
    });
  };

  // Scrolls the history back 120 px per frame until "messages" messages have passed.
  const scrollBack = ({ messages, newest }) => {
    const scroller = list();
    if (!scroller) throw new Error('no message list');
    const target = newest - messages;
    const oldestShown = () => {
      const top = scroller.getBoundingClientRect().top;
      let oldest = Infinity;
      for (const element of scroller.querySelectorAll('[data-testid="message"]')) {
        if (element.getBoundingClientRect().bottom < top) continue;
        const match = /number (\d+)/.exec(element.textContent || '');
        if (match) oldest = Math.min(oldest, Number(match[1]));
      }
      return oldest;
    };
    return new Promise((resolve, reject) => {
      const durations = [];
      let last = performance.now();
      const deadline = last + 120000;
      const step = (now) => {
        durations.push(now - last);
        last = now;
        if (oldestShown() <= target) return resolve(stats(durations.slice(1)));
        if (now > deadline) return reject(new Error('scrolling stalled at message ' + oldestShown()));
        scroller.scrollTop -= 120;
        requestAnimationFrame(step);
      };
      requestAnimationFrame(step);
    });
  };

  // Times "count" animation frames with nothing to do.
  const idleFrames = (count) =>
    new Promise((resolve) => {
      const durations = [];
      let last = performance.now();
      const step = (now) => {
        durations.push(now - last);
        last = now;
        if (durations.length > count) return resolve(stats(durations.slice(1)));
        requestAnimationFrame(step);
      };
      requestAnimationFrame(step);
    });

  globalThis.__bench = { open, scrollBack, idleFrames };
})();
`;
