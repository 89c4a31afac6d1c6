import type { FastifyBaseLogger } from 'fastify';
import type { ClientRef, Delivered } from '../store/records';
import type { HubRelay, NotificationHub } from './hub';
import type { InstanceBus, InstanceEvent } from './instanceEvents';
import { missingCase } from '../../protocol/result';

/**
 * Fan-out across server instances on one PostgreSQL database (issue 18).
 *
 * Each instance listens on the database's NOTIFY channel. A transaction that stores
 * notifications announces its id range (`stored`, sent inside the transaction), so every instance
 * hears every committed range exactly once and in commit order, which is id order
 * (store/postgres/queue.ts). Each instance pushes the ranges to its own sockets strictly in that
 * order, one after the other: a device therefore gets its notifications in id order whichever
 * instance stored them — the client skips an id at or below the last it stored, so a push out of
 * order would be a message lost until its next full resync.
 *
 * For its own transactions an instance already has the rows (the route hands them over right
 * after the commit): when the announcement comes it pushes those; for the others' (or when the
 * announcement overtook the route) it reads the rows of the range. Removals and sign-outs go
 * through the channel as well, so they reach the sockets on every instance.
 *
 * Why PostgreSQL's LISTEN/NOTIFY and not a broker: the database is already shared and already
 * orders the ids; a NOTIFY is delivered only when its transaction commits, in commit order, so
 * no push ever runs ahead of its row, and there is no second system to run, secure and back up.
 * If the listening connection drops, announcements may be lost: every socket of this instance is
 * closed so its device reconnects and replays from the queue (nothing is lost, only pushed late).
 */
export class InstanceFanout implements HubRelay {
  /** Every id up to this one was pushed (or belonged to a range already handled). */
  private handledUpTo = 0;
  /** Rows the routes of this instance stored, by their first id, until their announcement comes. */
  private readonly ours = new Map<number, readonly Delivered[]>();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly bus: InstanceBus,
    private readonly hub: NotificationHub,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Starts listening; routes' changes go through this relay from now on. */
  async start(): Promise<void> {
    await this.bus.listen({
      event: (event) => this.heard(event),
      lost: () => {
        this.log.warn({ event: 'instance-channel-lost' }, 'the channel to the other server instances was lost; devices reconnect and catch up');
        this.chain = this.chain.then(() => {
          this.ours.clear();
          this.hub.reconnectAll();
        });
      },
    });
    this.hub.relayThrough(this);
  }

  committed(delivered: readonly Delivered[]): void {
    const fresh = delivered.filter((each) => each.notification.id > this.handledUpTo);
    const first = fresh[0];
    if (first !== undefined) this.ours.set(first.notification.id, fresh);
  }

  clientRemoved(client: ClientRef): void {
    this.send({ kind: 'client-removed', userId: client.userId, clientId: client.clientId });
  }

  userSignedOut(userId: string, keep?: string): void {
    this.send({ kind: 'signed-out', userId, ...(keep === undefined ? {} : { keep }) });
  }

  /** Resolves once every announcement heard so far has been pushed (tests, shutdown). */
  settled(): Promise<void> {
    return this.chain;
  }

  private send(event: InstanceEvent): void {
    this.bus.publish(event).catch((error: unknown) => {
      this.log.error({ event: 'instance-publish-failed', err: String(error) }, 'could not tell the other server instances');
      // The change is stored; what the sockets here would have been told must not be lost here at least.
      this.heard(event);
    });
  }

  private heard(event: InstanceEvent): void {
    this.chain = this.chain
      .then(() => this.apply(event))
      .catch((error: unknown) => {
        // The rows could not be read: the devices here may miss them, so they reconnect and replay.
        this.log.error({ event: 'instance-fanout-failed', err: String(error) }, 'pushing notifications of another instance failed');
        this.hub.reconnectAll();
      });
  }

  private async apply(event: InstanceEvent): Promise<void> {
    switch (event.kind) {
      case 'stored':
        return this.stored(event.first, event.last);
      case 'client-removed':
        return this.hub.clientRemovedHere({ userId: event.userId, clientId: event.clientId });
      case 'signed-out':
        return this.hub.userSignedOutHere(event.userId, event.keep);
      default:
        return missingCase(event);
    }
  }

  private async stored(first: number, last: number): Promise<void> {
    if (last <= this.handledUpTo) return;
    const mine: Delivered[] = [];
    for (const [id, delivered] of this.ours) if (id >= first && id <= last) mine.push(...delivered);
    mine.sort((a, b) => a.notification.id - b.notification.id);
    const from = this.handledUpTo;
    const rows = mine.length > 0 ? mine : await this.bus.readStored(Math.max(first, from + 1), last);
    // Handed-over rows may run past the range when one transaction announced several ranges.
    this.handledUpTo = Math.max(last, mine.at(-1)?.notification.id ?? 0);
    // Rows handed over for ranges already handled (their announcement overtook the route) are stale.
    for (const id of this.ours.keys()) if (id <= this.handledUpTo) this.ours.delete(id);
    this.hub.push(rows.filter((each) => each.notification.id > from));
  }
}
