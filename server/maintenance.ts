import { rm } from 'node:fs/promises';
import { MESSAGE_POST_KEY_RETENTION_MS, NOTIFICATION_RETENTION_MS } from '../protocol';
import { assetPath } from './assets/files';
import type { ServerContext } from './context';

/** Periodic clean-up: notifications past the 4-week retention, message post keys past a day, expired assets, codes, cookies and chat requests. */
export async function runMaintenance(context: ServerContext): Promise<void> {
  const now = context.now();
  // Acks must be stored before pruning decides which queues missed notifications.
  await context.acks.flush();
  const pruned = await context.store.notifications.prune(now - NOTIFICATION_RETENTION_MS);
  const postKeys = await context.store.conversations.prunePostKeys(now - MESSAGE_POST_KEY_RETENTION_MS);
  let assets = 0;
  for (let round = 0; round < 100; round += 1) {
    const expired = await context.store.assets.expired(now, 500);
    for (const key of expired) {
      await rm(assetPath(context.settings.dataDir, key), { force: true });
      await context.store.assets.delete(key);
    }
    assets += expired.length;
    if (expired.length < 500) break;
  }
  const codes = await context.store.codes.purgeExpired(now);
  const cookies = await context.store.cookies.purgeExpired(now);
  const chatRequests = await context.store.chatRequests.purgeExpired(now);
  await context.limiter.prune();
  await context.loginThrottle.prune();
  if (pruned + postKeys + assets + codes + cookies + chatRequests > 0) {
    context.log.info({ event: 'maintenance', notificationsPruned: pruned, postKeysPruned: postKeys, assetsDeleted: assets, codesPurged: codes, cookiesPurged: cookies, chatRequestsPurged: chatRequests }, 'maintenance');
  }
}
