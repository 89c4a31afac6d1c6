/**
 * The receive path's checks of who sent what (issue 11, item 1), between the MLS engine, which
 * proves which leaf signed a message, and the server, which attests which registered device
 * posted it (`from`, `fromClient` of the notification). A leaf's credential is only a claim the
 * leaf's owner made when it joined; the two must agree, and every commit must follow the
 * conversation's rules (commitRules.ts) before this device adopts it. What fails is never stored
 * as from anyone: the conversation gets a system line instead, and the log a code (no content).
 */
import type { MlsChangeReview } from '../crypto/mls/incomingChange';
import type { MlsClientIdentity } from '../crypto/mls/mlsIdentity';
import { sameClient } from '../crypto/mls/mlsIdentity';
import type { ApiClient } from '../net/apiClient';
import { leftAt } from '../store/conversations';
import type { ReadableDB, WritableDB } from '../store/handles';
import { memberRoles } from '../store/members';
import type { ChangeContext, CommitRefusalCode } from './commitRules';
import { reviewChange } from './commitRules';
import { insertSystemMessage } from '../store/messages';
import { qualified } from '../store/users';
import type { SelfDevice } from './deviceTrust';
import { namer } from './membershipMessages';

/** The device the server attests posted a notification. */
export type Poster = Readonly<{ userId: string; domain: string; clientId: string }>;

/** A commit or proposal this device refused, for the log and the system line. */
export type ChangeRefusal = Readonly<{ code: CommitRefusalCode; reason: string }>;

/**
 * The members as stored. When this user left or was removed, the server no longer shows the
 * conversation, so the stored list still names this user: it is taken out here, so that the
 * commit removing this user's devices (made by any member once someone left) is accepted.
 */
function storedMembers(db: ReadableDB, conversationId: string, selfUser: string): Map<string, 'admin' | 'member'> {
  const members = memberRoles(db, conversationId);
  if (typeof leftAt(db, conversationId) === 'number') members.delete(selfUser);
  return members;
}

/**
 * The review the engine runs on each incoming commit and proposal of `conversationId`. It reads
 * the stored members when asked (a commit is rare; the hot path never gets here) and asks the
 * server for a user's devices only when a non-admin removes a device of another member, the one
 * rule that depends on what only the server knows. A network failure there is thrown: the
 * notification is then applied again later, never refused for want of an answer.
 */
export function changeReview(
  deps: Readonly<{ db: ReadableDB; api: ApiClient; userId: string; domain: string }>,
  conversationId: string,
  poster: Poster,
  refused: (refusal: ChangeRefusal) => void,
): MlsChangeReview {
  return async (change) => {
    const context: ChangeContext = { poster, members: storedMembers(deps.db, conversationId, qualified({ id: deps.userId, domain: deps.domain })) };
    let verdict = reviewChange(change, context);
    if (verdict.kind === 'need-registration') {
      const listed = new Set<string>();
      const users = new Map(verdict.devices.map((d) => [`${d.userId}@${d.domain}`, d]));
      for (const device of users.values()) {
        const { clients } = await deps.api.call('userClients', { params: { domain: device.domain, id: device.userId } });
        for (const client of clients) listed.add(`${device.userId}@${device.domain} ${client.id}`);
      }
      verdict = reviewChange(change, { ...context, registered: (d) => listed.has(`${d.userId}@${d.domain} ${d.clientId}`) });
    }
    switch (verdict.kind) {
      case 'accept':
        return { ok: true };
      case 'refuse':
        refused({ code: verdict.code, reason: verdict.reason });
        return { ok: false, code: verdict.code, message: `The change was refused: ${verdict.reason}.` };
      case 'need-registration':
        // Answered above; asking twice means the rules and this function disagree.
        refused({ code: 'change-remove-not-allowed', reason: "it removed another member's device without being an admin" });
        return { ok: false, code: 'change-remove-not-allowed', message: 'The change was refused.' };
    }
  };
}

/** Whether an application message's MLS sender is the device the server says posted it. */
export function sentByPoster(sender: MlsClientIdentity, poster: Poster): boolean {
  return sameClient(sender, poster);
}

/**
 * "Alice's change to this conversation was refused: …". The key (the notification id) makes the
 * line's id, so a notification applied twice adds one line.
 */
export function recordRefusedChange(tx: WritableDB, conversationId: string, key: string, poster: Poster, refusal: ChangeRefusal, self: SelfDevice, now: number): string | undefined {
  const name = namer(tx, self.user)(qualified({ id: poster.userId, domain: poster.domain }));
  const who = name === 'you' ? 'A change to this conversation from your other device' : `A change to this conversation from ${name}`;
  const text = `${who} was refused because ${refusal.reason}. Messages sent after it may not be readable on this device.`;
  return insertSystemMessage(tx, conversationId, `system-refused-${key}`, text, self, now);
}

/** "A message that claimed to be from Bob could not be authenticated and was not shown." */
export function recordForgedMessage(tx: WritableDB, conversationId: string, key: string, claimed: MlsClientIdentity, self: SelfDevice, now: number): string | undefined {
  const name = namer(tx, self.user)(qualified({ id: claimed.userId, domain: claimed.domain }));
  const text = `A message that claimed to be from ${name} could not be authenticated and was not shown.`;
  return insertSystemMessage(tx, conversationId, `system-forged-${key}`, text, self, now);
}
