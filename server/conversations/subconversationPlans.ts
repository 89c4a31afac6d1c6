import type { CommitInput, PlanFailure } from './mlsPlans';
import { planCommit } from './mlsPlans';
import { memberOf, qualifiedConversation, qualifiedUser } from './view';
import type { ClientRef, ConversationRecord, Fanout } from '../store/records';
import type { SubconversationPlan, SubconversationRecord } from '../store/subconversationRecords';

/*
 * Decisions about call groups (subconversations, issue 14), made inside the serializing
 * transaction like the conversation plans they reuse: a call group's commits go through
 * `planCommit` with the group's own epoch, devices and leaves, and the parent conversation's
 * members. Only members of the conversation may create, read or join one.
 */

const same = (a: ClientRef, b: ClientRef): boolean => a.userId === b.userId && a.clientId === b.clientId;

const notMember: Readonly<{ ok: false; failure: PlanFailure }> = {
  ok: false,
  failure: { code: 'not-member', message: 'Only members of the conversation may take part in its calls.' },
};

export type NewSubconversation = Readonly<{ id: string; groupId: Buffer; cipherSuite: number; now: number }>;

/** A new call group holding only the creating device, at leaf 0 and epoch 0 (as a new conversation's group). */
export function planCreateSubconversation(
  parent: ConversationRecord,
  creator: ClientRef,
  created: NewSubconversation,
): Readonly<{ ok: true; record: SubconversationRecord }> | Readonly<{ ok: false; failure: PlanFailure }> {
  if (!memberOf(parent, creator.userId)) return notMember;
  if (parent.type === 'self') return { ok: false, failure: { code: 'invalid-operation', message: 'There are no calls in the self-conversation.' } };
  return {
    ok: true,
    record: {
      convId: parent.id,
      id: created.id,
      groupId: created.groupId,
      epoch: 0,
      epochStartedAt: created.now,
      cipherSuite: created.cipherSuite,
      groupInfo: null,
      createdAt: created.now,
      clients: [{ userId: creator.userId, clientId: creator.clientId, leafIndex: 0, registered: true, left: false }],
    },
  };
}

/** The call group as `planCommit` reads a conversation: the parent's members, the group's own epoch, leaves and GroupInfo. */
function groupView(parent: ConversationRecord, sub: SubconversationRecord): ConversationRecord {
  return {
    ...parent,
    groupId: sub.groupId,
    epoch: sub.epoch,
    cipherSuite: sub.cipherSuite,
    groupInfo: sub.groupInfo,
    clients: sub.clients.map((client) => ({ userId: client.userId, clientId: client.clientId, registered: client.registered, leafIndex: client.leafIndex })),
  };
}

/** Commit events of the call group carry its id, so devices never mistake them for the conversation's own. */
function toSubconversationEvents(fanouts: readonly Fanout[], parent: ConversationRecord, sub: SubconversationRecord, domain: string): readonly Fanout[] {
  return fanouts.flatMap((fanout): Fanout[] => {
    const { event } = fanout;
    if (event.type !== 'conversation.mls-message-add') return [];
    return [
      {
        ...fanout,
        event: {
          type: 'conversation.subconv-mls-message-add',
          conversation: qualifiedConversation(parent, domain),
          subconv: sub.id,
          from: event.from,
          fromClient: event.fromClient,
          data: event.data,
        },
      },
    ];
  });
}

/**
 * A commit to a call group, checked as a conversation's commit is (current epoch only, the
 * devices it really adds and removes, registered signature keys), with three differences:
 * a device whose user is not a member of the conversation is refused with `not-member` (403);
 * devices join only by external commit (a joiner gets no key of the time before it joined, so no
 * Welcome); and any device in the group may commit the removal of any other (the key generator
 * removes whoever left or stopped answering).
 */
export function planSubconversationCommit(
  parent: ConversationRecord,
  sub: SubconversationRecord,
  input: Omit<CommitInput, 'anyMemberMayRemove'>,
): SubconversationPlan<{ epoch: number }, PlanFailure> {
  if (!memberOf(parent, input.sender.userId)) return notMember;
  if (input.content.sender.kind === 'member' && input.content.adds.length > 0) {
    return { ok: false, failure: { code: 'mls-client-mismatch', message: 'Devices join a call group by external commit only.' } };
  }
  const view = groupView(parent, sub);
  const planned = planCommit(view, { ...input, anyMemberMayRemove: true });
  if (!planned.ok) return planned;
  const { change } = planned;
  return {
    ok: true,
    value: planned.value,
    change: {
      ...(change.epoch === undefined ? {} : { epoch: change.epoch }),
      ...(change.groupInfo === undefined ? {} : { groupInfo: change.groupInfo }),
      removeClients: change.removeClients ?? [],
      addClients: change.addClients ?? [],
    },
    fanout: toSubconversationEvents(planned.fanout(view), parent, sub, input.domain),
  };
}

/**
 * A device says it left the call: marked, its leaf kept for the removal commit, and the others
 * told (`conversation.subconv-leave`) so the key generator commits the removal. When no device
 * is left, the group is deleted. A device of a user no longer in the conversation may leave too.
 */
export function planLeaveSubconversation(parent: ConversationRecord, sub: SubconversationRecord, device: ClientRef, domain: string): SubconversationPlan<true, PlanFailure> {
  const self = sub.clients.find((client) => same(client, device));
  if (self === undefined) return { ok: false, failure: { code: 'not-member', message: 'This device is not in the call.' } };
  const staying = sub.clients.filter((client) => !client.left && client.registered && !same(client, device));
  if (staying.length === 0) return { ok: true, value: true, change: { deleteGroup: true }, fanout: [] };
  return {
    ok: true,
    value: true,
    change: { markLeft: [device] },
    fanout: self.left
      ? []
      : [
          {
            clients: staying,
            event: {
              type: 'conversation.subconv-leave',
              conversation: qualifiedConversation(parent, domain),
              subconv: sub.id,
              user: qualifiedUser(device.userId, domain),
              client: device.clientId,
            },
          },
        ],
  };
}
