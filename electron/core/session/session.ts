/**
 * Everything that exists only while a device is signed in and unlocked: made by AccountService
 * when the account loads (sign-in, unlock, start) and closed at sign-out, lock or wipe. Each
 * field is a small service with one job; they are wired to each other here and nowhere else.
 * core.ts reaches them through `requireSession`, so "not signed in" is decided in one place.
 *
 * The receive side (receive/) is handed `receiving`: what its handlers may read, what the
 * effects write with, and what their follow-ups call.
 */
import path from 'node:path';
import { CallGroupInbox } from '../calls/conference/callGroupInbox';
import type { EventHub } from '../events';
import type { Logger } from '../log';
import type { ApplyContext } from '../receive/applyEffects';
import type { ReceiveContext } from '../receive/context';
import type { FollowUpContext } from '../receive/runFollowUps';
import { FileTransfers } from '../services/fileTransfers';
import { Outbox } from '../services/outbox';
import { readPreferencesThisTurn } from '../services/preferences';
import { Resender } from '../services/resend';
import { Announcer } from './announcer';
import type { CallServiceOptions } from './calls/callOptions';
import { CallService } from './calls/callService';
import { ConferenceService } from './calls/conference/conferenceService';
import { ConversationQueries } from './conversationQueries';
import { ConversationSettings } from './conversationSettings';
import { DesktopNotifications } from './desktopNotifications';
import type { DeviceContext } from './device';
import { selfDevice, selfId } from './device';
import { FileSending } from './fileSending';
import { GroupSession } from './groupSession';
import { HiddenMessages } from './hiddenMessages';
import { KeyRefiller } from './keyRefiller';
import { Membership } from './membership';
import { MessageExpiry } from './messageExpiry';
import { OutgoingMessages } from './outgoingMessages';
import { People } from './people';
import { ChatRequests } from './chatRequests';
import { Verification } from './verification';

export type AccountDevice = Omit<DeviceContext, 'filesDir'>;

export interface SessionHooks {
  /** This user's display name changed on another device: the signed-in status follows. */
  readonly ownNameChanged: (name: string) => void;
}

/** What the core's options set for a session (CoreOptions.callTimings, CoreOptions.testSeams). */
export type SessionOptions = Readonly<{ calls?: CallServiceOptions }>;

export interface Receiving {
  readonly groups: GroupSession;
  readonly context: ReceiveContext;
  readonly apply: ApplyContext;
  readonly followUps: FollowUpContext;
  readonly keys: KeyRefiller;
  /** Steps the call machine for received call messages inside the receive transaction (calls/callService.ts). */
  readonly calls?: Pick<CallService, 'receivedInTransaction'>;
}

export class SignedInSession {
  readonly device: DeviceContext;
  readonly announcer: Announcer;
  readonly groups: GroupSession;
  readonly queries: ConversationQueries;
  readonly settings: ConversationSettings;
  readonly outgoing: OutgoingMessages;
  readonly membership: Membership;
  readonly verification: Verification;
  readonly notifications: DesktopNotifications;
  readonly expiry: MessageExpiry;
  readonly keys: KeyRefiller;
  /** Delivery receipts and "delete for me" syncs owed to the server, kept until sent (outbox.ts). */
  readonly outbox: Outbox;
  /** Failed messages sent again on request, and pending ones a crash left, once online (resend.ts). */
  readonly resender: Resender;
  readonly hidden: HiddenMessages;
  /** Downloads, previews and the encrypted file cache (fileTransfers.ts). */
  readonly files: FileTransfers;
  readonly fileSending: FileSending;
  readonly people: People;
  /** Chat requests by e-mail, sent and answered (chatRequests.ts). */
  readonly chatRequests: ChatRequests;
  /** 1:1 calls: the call machine, its messages, timers, history lines and frame keys (calls/callService.ts). */
  readonly calls: CallService;
  /** Group calls through the SFU: start messages, call groups, keys, subscriptions (calls/conference/conferenceService.ts). */
  readonly conferences: ConferenceService;
  readonly receiving: Receiving;
  /** Conference call groups this device is in, fed by the receive path (calls/conference/). */
  readonly callGroups: CallGroupInbox;
  private readonly detachSummaries: () => void;

  constructor(account: AccountDevice, events: EventHub, log: Logger, hooks: SessionHooks, options: SessionOptions = {}) {
    const device: DeviceContext = { ...account, filesDir: path.join(account.profileDir, 'files') };
    this.device = device;
    const announcer = new Announcer(device.db, events);
    this.announcer = announcer;
    this.groups = new GroupSession(device, announcer, log.child('groups'));
    this.queries = new ConversationQueries(device);
    // Inside a transaction the row could include writes that are then rolled back: no row then,
    // and the UI reads the list again (every announcement should come after the commit anyway).
    this.detachSummaries = events.readSummariesWith((id) => (device.db.inTransaction ? undefined : this.queries.listed(id)));
    this.settings = new ConversationSettings(device, this.queries, announcer);
    // The resender is made below; it hears how each send ended (messages waiting for the connection).
    this.outgoing = new OutgoingMessages(this.groups, this.queries, announcer, log.child('send'), (news) => this.resender.deliveryNews(news));
    this.membership = new Membership(this.groups, this.queries, announcer, log.child('membership'));
    this.verification = new Verification(device, this.queries, announcer, log.child('verification'));
    this.notifications = new DesktopNotifications(device.db, events);
    this.expiry = new MessageExpiry(device, announcer, log.child('expiry'));
    this.keys = new KeyRefiller(this.groups, log.child('keys'));
    this.outbox = new Outbox({ db: device.db, events, log: log.child('outbox'), outgoing: this.outgoing, membership: this.membership });
    this.resender = new Resender({ db: device.db, events, log: log.child('resend'), selfId: selfId(device), clientId: device.clientId, outgoing: this.outgoing });
    this.hidden = new HiddenMessages(device, this.queries, this.outbox, announcer);
    this.files = new FileTransfers(device, events, log.child('files'));
    this.fileSending = new FileSending(device, this.outgoing, this.files, log.child('files'));
    this.people = new People(device);
    this.chatRequests = new ChatRequests(device, this.membership);
    this.calls = new CallService({
      groups: this.groups,
      outgoing: this.outgoing,
      notifications: this.notifications,
      announcer,
      log: log.child('calls'),
      options: options.calls ?? {},
      conferenceBusy: () => this.conferences.busy(),
    });
    this.callGroups = new CallGroupInbox(log.child('conference'));
    const timings = options.calls?.timings;
    this.conferences = new ConferenceService({
      groups: this.groups,
      outgoing: this.outgoing,
      announcer,
      inbox: this.callGroups,
      log: log.child('conference'),
      calls: this.calls,
      timings: {
        ...(timings?.conferenceRatchetMs === undefined ? {} : { ratchetMs: timings.conferenceRatchetMs }),
        ...(timings?.conferenceSilenceMs === undefined ? {} : { silenceMs: timings.conferenceSilenceMs }),
      },
    });
    const receiveLog = log.child('receive');
    this.receiving = {
      groups: this.groups,
      keys: this.keys,
      context: { device, groups: this.groups, log: receiveLog, preferences: () => readPreferencesThisTurn(device.db) },
      apply: { self: selfDevice(device), noteDelivered: (tx, conversationId, messageId, at) => this.outbox.noteDelivered(tx, conversationId, messageId, at) },
      followUps: {
        db: device.db,
        announcer,
        log: receiveLog,
        notify: (message) => this.notifications.notify(message),
        receiptsNoted: () => this.outbox.receiptsNoted(),
        ownProfileChanged: hooks.ownNameChanged,
        callMessage: (message) => this.calls.received(message),
        conferenceMessage: (message) => this.conferences.received(message),
        removeDeparted: (conversationId) => this.membership.removeDeparted(conversationId),
        removeGoneDevice: (conversationId, gone) => this.membership.removeGoneDevice(conversationId, gone),
        callGroupEvent: (event, time) => this.callGroups.deliver(event, time),
      },
      calls: this.calls,
    };
    this.expiry.start();
  }

  /** Leaves a running conference while the server can still be told (app lock, sign-out). */
  async leaveCalls(): Promise<void> {
    await this.conferences.leaveAll();
  }

  close(): void {
    this.detachSummaries();
    this.conferences.close();
    this.expiry.close();
    this.outbox.close();
    this.resender.close();
    this.calls.close();
  }
}
