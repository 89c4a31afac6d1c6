import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConversationSchema } from '../../../protocol';
import { Api } from './support/api';
import type { ChildServer } from './support/childServer';
import { spawnServer } from './support/childServer';
import { createGroup, postCommit } from './support/conversations';
import { fakeApplicationMessage } from './support/mls';
import { fetchNotifications } from './support/notifications';
import { refreshed, registerUser, userWithClient } from './support/users';

describe('crash safety', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it.each(['full', 'normal'])('keeps every acknowledged write when the server is killed with SIGKILL mid-traffic (durability %s)', async (durability) => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cairn-crash-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const first: ChildServer = await spawnServer(dataDir, ['--durability', durability]);
    cleanup.push(async () => {
      first.child.kill('SIGKILL');
    });
    const api = await Api.forServer(first.url, dataDir);
    const ada = await userWithClient(api, dataDir, 'Ada');
    const bob = await userWithClient(api, dataDir, 'Bob');
    const group = await createGroup(api, ada, [bob]);
    expect((await postCommit(api, group, ada, 0, { adds: [bob] })).status).toBe(201);
    const groupId = Buffer.from(group.groupId, 'base64');

    // Four senders write as fast as they can; the server is killed once 200 writes were acknowledged.
    const acknowledged: string[] = [];
    const registered: string[] = [];
    let stop = false;
    const sender = async (lane: number): Promise<void> => {
      for (let index = 0; index < 5000 && !stop; index += 1) {
        const message = fakeApplicationMessage(groupId, 1, Buffer.from(`lane ${lane} message ${index}`));
        try {
          const response = await api.post(`/conversations/${group.qualifiedId.id}/mls/messages`, { token: ada.clientToken, body: { message } });
          if (response.status === 201) acknowledged.push(message);
        } catch {
          return; // connection died with the server: not acknowledged
        }
      }
    };
    const registrar = async (): Promise<void> => {
      for (let index = 0; index < 100 && !stop; index += 1) {
        try {
          registered.push((await registerUser(api, dataDir, `Late ${index}`)).email);
        } catch {
          return;
        }
      }
    };
    const lanes = [sender(0), sender(1), sender(2), sender(3), registrar()];
    const deadline = Date.now() + 60_000;
    while (acknowledged.length < 200 && Date.now() < deadline) await new Promise<void>((resolve) => setImmediate(resolve));
    first.child.kill('SIGKILL');
    stop = true;
    await Promise.all(lanes);
    await first.exited;
    api.close();
    expect(acknowledged.length).toBeGreaterThanOrEqual(200);

    const second = await spawnServer(dataDir, ['--durability', durability]);
    cleanup.push(async () => {
      second.child.kill('SIGKILL');
      await second.exited;
    });
    expect(second.pin).toBe(first.pin);
    const after = await Api.forServer(second.url, dataDir);
    cleanup.push(async () => after.close());
    const bobAgain = await refreshed(after, bob);
    const received = new Set(
      (await fetchNotifications(after, bobAgain)).flatMap((n) => (n.event.type === 'conversation.mls-message-add' ? [n.event.data] : [])),
    );
    const lost = acknowledged.filter((message) => !received.has(message));
    expect(lost).toEqual([]);
    for (const email of registered) {
      const login = await after.post('/login', { body: { email, password: bob.password } });
      expect(login.status, email).toBe(200);
    }
    const adaAgain = await refreshed(after, ada);
    const state = ConversationSchema.parse((await after.get(`/conversations/${group.qualifiedId.id}`, { token: adaAgain.token })).body);
    expect(state.epoch).toBe(1);
    console.info(`${durability}: SIGKILL after ${acknowledged.length} acknowledged messages and ${registered.length} registrations: none lost`);
  });
});
