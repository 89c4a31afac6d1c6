import type { Logger } from '../../log';
import type { CallGroupEvent } from '../../receive/handlers/callGroupEvent';
import type { ConferenceGroup } from './conferenceGroup';

/** How many events of one call group are held while this device joins it (a join takes seconds; each commit is one event). */
const MAX_HELD = 256;

type Held = { event: CallGroupEvent; time: string };

/**
 * Where the receive path hands call group events (runFollowUps.ts): to the conference this
 * device is in, by call group id. Events of call groups it is not in (one it left, or never
 * joined) are dropped: nothing of a call group is stored.
 *
 * Joining takes a while after this device's commit is on the server (the SFU room, publishing):
 * from `hold` until `add`, the call group's events are kept and then handed over in order, so a
 * commit of someone who joined in between is not lost (a lost commit leaves this device behind,
 * unable to apply any later one).
 */
export class CallGroupInbox {
  readonly #conferences = new Map<string, ConferenceGroup>();
  readonly #held = new Map<string, Held[]>();

  constructor(private readonly log: Logger) {}

  /** Keeps the call group's events from now until `add` (or the returned release, when joining failed). */
  hold(callGroupId: string): () => void {
    if (!this.#held.has(callGroupId)) this.#held.set(callGroupId, []);
    return () => {
      this.#held.delete(callGroupId);
    };
  }

  /** Routes the call group's events to `conference` until it is removed again; events held since `hold` first. */
  add(conference: ConferenceGroup): () => void {
    this.#conferences.set(conference.callGroupId, conference);
    const held = this.#held.get(conference.callGroupId) ?? [];
    this.#held.delete(conference.callGroupId);
    for (const { event, time } of held) this.deliver(event, time);
    return () => {
      if (this.#conferences.get(conference.callGroupId) === conference) this.#conferences.delete(conference.callGroupId);
    };
  }

  deliver(event: CallGroupEvent, time: string): void {
    const conference = this.#conferences.get(event.subconv);
    if (conference === undefined) {
      const held = this.#held.get(event.subconv);
      if (held !== undefined && held.length < MAX_HELD) held.push({ event, time });
      return;
    }
    if (conference.conversationId !== event.conversation.id) return;
    conference.receive(event, time).catch((error: unknown) => this.log.warn('a call group event was not applied', { callGroupId: event.subconv, error }));
  }
}
