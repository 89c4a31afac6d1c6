/**
 * Slow sync: what a device does when the server dropped notifications it never fetched (they
 * expired after the 4-week retention, seed 002), as Wire does after a gap in its notification
 * stream. Welcomes, commits and messages in that gap are gone for good, so the device reads the
 * conversations again from the server instead of from its queue:
 * - a conversation it was added to (its Welcome expired) is joined by external commit;
 * - a group it fell behind in (the server's epoch is newer than the stored one: commits were
 *   lost, so nothing sent now can be decrypted) is rejoined by an external commit that replaces
 *   this device's own leaf (RFC 9420 §12.4.3.2);
 * - one it is no longer a member of is marked left; names and member lists are refreshed;
 * - every one of them gets a system line saying that messages may be missing — the device cannot
 *   tell which conversations lost messages, so, like Wire, it tells each one.
 *
 * The notification stream asks for a resync before replaying what was left (`markResyncDue`,
 * stored durably before anything after the gap is stored), and the resync runs once that replay
 * is stored (`Resync.run`), so a Welcome or commit still in the queue is used first. The note is
 * removed, and the cursor moved past what expired, in one transaction once the run finished: a
 * crash or kill before that runs it again, which is harmless — joins happen only where still
 * needed, and the lines carry the run's id, so none is written twice. Each conversation is
 * handled under the conversations' lock (`GroupSession.exclusive`), so a send never
 * encrypts from a group state the resync is replacing.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Conversation } from '../../../protocol/api/conversations';
import type { Logger } from '../log';
import { ApiError } from '../net/apiError';
import { classifyFailure, isTransient } from '../net/classifyFailure';
import type { WritableDB } from '../store/handles';
import { writeTransaction } from '../store/handles';
import type { Db } from '../store/migration';
import { deleteKv, readKv, writeKv } from '../store/kv';
import type { Announcer } from '../session/announcer';
import type { GroupSession } from '../session/groupSession';
import { activeConversationIds, conversationKind, lastActivityAt, localConversationState, markLeftOnce, saveConversation, setLastActivityAt } from '../store/conversations';
import { insertSystemMessage } from '../store/messages';
import { qualified, saveUserProfile } from '../store/users';
import { recordOwnMembership } from './membershipMessages';

const RESYNC_KEY = 'resync';
const DueSchema = z.object({ id: z.string().min(1), requestedAt: z.number() });

/** The system line each conversation gets after a resync. */
export const MISSED_MESSAGES_TEXT = 'Some messages sent while this device was offline for a long time could not be received.';

/**
 * Notes durably that a resync is due (call in the stream's order, before the notifications after
 * the gap are stored). A run that has not finished keeps its id, so its lines are never doubled.
 */
export function markResyncDue(db: Db, now: number = Date.now()): void {
  if (readKv(db, 'profile', RESYNC_KEY, DueSchema)) return;
  writeKv(db, 'profile', RESYNC_KEY, { id: randomUUID(), requestedAt: now }, now);
}

export function resyncDue(db: Db): z.infer<typeof DueSchema> | undefined {
  return readKv(db, 'profile', RESYNC_KEY, DueSchema);
}

/**
 * Worth running the whole resync again later (the stream reconnects with backoff): network
 * trouble, a busy server, or a group that kept moving while this device tried to rejoin it.
 * Anything else concerns one conversation only and is passed over.
 */
function retryable(error: unknown): boolean {
  return isTransient(classifyFailure(error));
}

export type ResyncOutcome = Readonly<{ joined: number; rejoined: number; left: number; refreshed: number; skipped: number; failed: number }>;

export class Resync {
  private stopped = false;
  private readonly names = new Map<string, Promise<{ name: string; handle: string | null } | undefined>>();

  constructor(
    private readonly groups: GroupSession,
    private readonly announcer: Announcer,
    private readonly log: Logger,
  ) {}

  /** Ends a run between two conversations (the app locks or signs out); the next start runs it again. */
  stop(): void {
    this.stopped = true;
  }

  /**
   * Runs a due resync, if any. `complete` runs in the transaction that ends it (the caller moves
   * its notification cursor there). Network failures are thrown, so the stream reconnects and
   * the resync runs again; a conversation that fails otherwise is logged and passed over.
   * Returns undefined when nothing was due or the run was stopped.
   */
  async run(complete: (tx: WritableDB) => void): Promise<ResyncOutcome | undefined> {
    const { db, api } = this.groups.device;
    const due = resyncDue(db);
    if (!due) return undefined;
    this.log.warn('the server dropped notifications this device never fetched; reading the conversations again');
    const started = performance.now();
    const { conversations } = await api.call('listConversations', {});
    const counts = { joined: 0, rejoined: 0, left: 0, refreshed: 0, skipped: 0, failed: 0 };
    const listed = new Set(conversations.map((c) => c.qualifiedId.id));
    for (const conversation of conversations) {
      if (this.stopped) return undefined;
      try {
        counts[await this.catchUp(conversation, due.id)] += 1;
      } catch (error) {
        if (retryable(error)) throw error;
        counts.failed += 1;
        this.log.warn('resyncing a conversation failed', { conversationId: conversation.qualifiedId.id, error });
      }
    }
    const unlisted = activeConversationIds(db).filter((id) => !listed.has(id));
    for (const id of unlisted) {
      if (this.stopped) return undefined;
      if (await this.markLeftIfGone(id, due.id)) counts.left += 1;
    }
    writeTransaction(db, (tx) => {
      complete(tx);
      deleteKv(tx, 'profile', RESYNC_KEY);
    });
    this.log.info('resync finished', { ...counts, ms: Math.round(performance.now() - started) });
    return counts;
  }

  /** One conversation the user is a member of, under the conversations' lock. */
  private async catchUp(conversation: Conversation, runId: string): Promise<'joined' | 'rejoined' | 'refreshed' | 'skipped'> {
    const { db, clientId, userId, domain } = this.groups.device;
    const id = conversation.qualifiedId.id;
    const profiles = await this.profiles(conversation);
    return this.groups.exclusive(async () => {
      const local = localConversationState(db, id);
      // Epoch 0: the creator has not made the group yet; its Welcome is still to come.
      if (conversation.epoch === 0 && !local) return 'skipped';
      const held = local?.epoch ?? undefined;
      const inGroup = conversation.clients.some((c) => c.user.id === userId && c.user.domain === domain && c.client === clientId);
      const action = conversation.epoch === 0 ? 'refreshed' : held === undefined ? 'joined' : held < conversation.epoch || !inGroup ? 'rejoined' : 'refreshed';
      const said: string[] = [];
      const writeLines = (tx: WritableDB): void => {
        const now = Date.now();
        for (const p of profiles) saveUserProfile(tx, p.user, p.name, p.handle, now);
        if (conversation.type === 'self') return;
        // Added while away (the Welcome expired): said as the Welcome would have said it.
        if (!local) {
          const added = recordOwnMembership(tx, id, `added-${runId}`, { kind: 'added' }, this.self(), now);
          if (added) said.push(added);
        }
        const missed = writeMissedLine(tx, id, runId, this.self(), now);
        if (missed) said.push(missed);
      };
      if (action === 'refreshed') {
        writeTransaction(db, (tx) => {
          saveConversation(tx, conversation, Date.now());
          writeLines(tx);
        });
        this.announcer.conversationChanged(id);
      } else {
        await this.groups.joinByExternalCommitAlone(conversation, writeLines);
      }
      this.announce(id, said);
      return action;
    });
  }

  /**
   * A conversation this device shows but the server no longer lists for the user: asked once
   * more (it may have been created a moment ago), then marked left if the server does not know
   * the user in it any more.
   */
  private async markLeftIfGone(id: string, runId: string): Promise<boolean> {
    const { api, db } = this.groups.device;
    try {
      await api.call('getConversation', { params: { conv: id } });
      return false;
    } catch (error) {
      if (!(error instanceof ApiError) || (error.status !== 403 && error.status !== 404)) {
        if (retryable(error)) throw error;
        this.log.warn('could not tell whether this user is still in a conversation', { conversationId: id, error });
        return false;
      }
    }
    const said: string[] = [];
    writeTransaction(db, (tx) => {
      const now = Date.now();
      markLeftOnce(tx, id, now);
      const missed = conversationKind(tx, id) === 'self' ? undefined : writeMissedLine(tx, id, runId, this.self(), now);
      if (missed) said.push(missed);
    });
    this.announce(id, said);
    this.announcer.conversationChanged(id);
    return true;
  }

  private self(): { user: string; clientId: string } {
    const { userId, domain, clientId } = this.groups.device;
    return { user: qualified({ id: userId, domain }), clientId };
  }

  private announce(conversationId: string, messageIds: readonly string[]): void {
    for (const messageId of messageIds) this.announcer.messageAdded(conversationId, messageId);
    if (messageIds.length > 0) this.announcer.conversationChanged(conversationId);
  }

  /** Display names of a conversation's members, each user asked once per run (best effort). */
  private async profiles(conversation: Conversation): Promise<Array<{ user: { id: string; domain: string }; name: string; handle: string | null }>> {
    const { api } = this.groups.device;
    const found = await Promise.all(
      conversation.members.map(async ({ user }) => {
        const key = qualified(user);
        let pending = this.names.get(key);
        if (!pending) {
          pending = api.call('getUser', { params: { domain: user.domain, id: user.id } }).then(
            (profile) => ({ name: profile.name, handle: profile.handle }),
            () => undefined,
          );
          this.names.set(key, pending);
        }
        const profile = await pending;
        return profile ? [{ user, ...profile }] : [];
      }),
    );
    return found.flat();
  }
}

/**
 * The line saying messages may be missing, once per run and conversation (its id carries the
 * run). It leaves the conversation where it was in the list: nothing new can be read there yet.
 */
function writeMissedLine(tx: WritableDB, conversationId: string, runId: string, self: { user: string; clientId: string }, now: number): string | undefined {
  const before = lastActivityAt(tx, conversationId);
  const added = insertSystemMessage(tx, conversationId, `system-resync-${runId}`, MISSED_MESSAGES_TEXT, self, now);
  if (before !== undefined) setLastActivityAt(tx, conversationId, before);
  return added;
}
