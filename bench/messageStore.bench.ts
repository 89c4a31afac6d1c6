/**
 * Opening a conversation (its newest 50 messages) and searching, with 100 000 messages in the
 * encrypted store (issue 4 targets: under 20 ms and under 50 ms). Baseline in the same run:
 * reading 50 rows by primary-key range, the cheapest read of the same amount of data.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { listMessages, searchMessages } from '../electron/core/toContract';
import { generateDbKey } from '../electron/core/store/dbKey';
import { openStore } from '../electron/core/store/openStore';
import type { BenchResult } from './harness';
import { measure } from './harness';

const MESSAGES = 100_000;
const CONVERSATIONS = 10;
const WORDS = ['granite', 'trail', 'summit', 'river', 'lichen', 'moss', 'ridge', 'camp', 'cairn', 'stone', 'path', 'north'];

export async function run(): Promise<BenchResult[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cairn-bench-store-'));
  const opened = openStore(path.join(dir, 'cairn.db'), generateDbKey());
  if (!opened.ok) throw new Error(opened.error.message);
  const { db } = opened.value;
  try {
    db.transaction(() => {
      const conversation = db.prepare(
        `INSERT INTO conversations (id, domain, kind, protocol, name, created_at, last_activity_at) VALUES (?, 'bench', 'group', 'mls', ?, 0, 0)`,
      );
      for (let c = 0; c < CONVERSATIONS; c++) conversation.run(`c${c}`, `Conversation ${c}`);
      const message = db.prepare(
        `INSERT INTO messages (id, conversation_id, sender_user_id, sender_client_id, kind, body, sent_at, received_at, status)
         VALUES (?, ?, 'u@bench', 'client', 'text', ?, ?, ?, 'received')`,
      );
      for (let i = 0; i < MESSAGES; i++) {
        const body = Array.from({ length: 8 }, (_, w) => WORDS[(i * 7 + w * 3) % WORDS.length]).join(' ') + ` number ${i}`;
        message.run(`m${i}`, `c${i % CONVERSATIONS}`, body, 1_700_000_000_000 + i * 1000, 1_700_000_000_000 + i * 1000);
      }
    })();
    const range = db.prepare('SELECT * FROM messages WHERE seq > ? ORDER BY seq LIMIT 50');
    let cursor = 0;
    const baseline = await measure(500, async () => {
      range.all(cursor);
      cursor = (cursor + 997) % (MESSAGES - 100);
    });
    let which = 0;
    const open = await measure(500, async () => {
      listMessages(db, `c${which++ % CONVERSATIONS}`, 50);
    });
    let term = 0;
    const search = await measure(200, async () => {
      searchMessages(db, WORDS[term++ % WORDS.length] ?? 'cairn', 50);
    });
    return [
      { name: `open a conversation: newest 50 of ${MESSAGES} messages (target < 20 ms)`, baselineName: '50 rows by key range', baseline, subject: open },
      { name: `search, newest 50 matches among ${MESSAGES} messages (target < 50 ms)`, baselineName: '50 rows by key range', baseline, subject: search },
    ];
  } finally {
    opened.value.close();
    await rm(dir, { recursive: true, force: true });
  }
}
