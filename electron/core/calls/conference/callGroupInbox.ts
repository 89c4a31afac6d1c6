import type { Logger } from '../../log';
import type { CallGroupEvent } from '../../receive/handlers/callGroupEvent';
import type { ConferenceGroup } from './conferenceGroup';

/**
 * Where the receive path hands call group events (runFollowUps.ts): to the conference this
 * device is in, by call group id. Events of call groups it is not in (one it left, or never
 * joined) are dropped: nothing of a call group is stored.
 */
export class CallGroupInbox {
  readonly #conferences = new Map<string, ConferenceGroup>();

  constructor(private readonly log: Logger) {}

  /** Routes the call group's events to `conference` until it is removed again. */
  add(conference: ConferenceGroup): () => void {
    this.#conferences.set(conference.callGroupId, conference);
    return () => {
      if (this.#conferences.get(conference.callGroupId) === conference) this.#conferences.delete(conference.callGroupId);
    };
  }

  deliver(event: CallGroupEvent, time: string): void {
    const conference = this.#conferences.get(event.subconv);
    if (conference === undefined || conference.conversationId !== event.conversation.id) return;
    conference.receive(event, time).catch((error: unknown) => this.log.warn('a call group event was not applied', { callGroupId: event.subconv, error }));
  }
}
