/**
 * The call service of the signed-in session (issue 13): the one owner of this device's call
 * machine (electron/core/calls/callMachine.ts). It feeds the machine the renderer's requests and
 * reports, the decrypted call messages the receive path hands over (receive/runFollowUps.ts) and
 * its own timers, and carries out the effects the machine returns, in order:
 * - `send`: an ordinary MLS application message of the 1:1 conversation (OutgoingMessages
 *   .sendContent: padded like text by the MLS layer, messagePadding.ts), neither stored in the
 *   history nor queued for a resend: a call message that cannot go now is useless later. A
 *   failed setup, answer, ICE restart or media message leaves the machine as it was and fails
 *   the request with the sending error; a failed decline, cancel or hang-up is logged and the
 *   call ends here all the same (the other side ends it by its own timers).
 * - `start-timer` / `stop-timer`: real timers, all cleared when the session closes.
 * - `history`: a system line in the conversation (callHistory.ts sentences), announced.
 * - `notify`: incoming and missed calls, through the session's desktop notifications.
 * - `emit`: `call.state`; `remote-description`: `call.description`, kept for `calls.remoteDescription`.
 * - `refused`: the request fails with that code and sentence.
 *
 * Everything runs one event at a time (`queue`), so a request, a received message and a timer
 * never step the machine from the same state. Received messages are only queued by the receive
 * path, never awaited there: it holds the group lock, which sending needs.
 *
 * Frame keys (`frameKey`) are derived under the group lock from the conversation's current
 * epoch; when the conversation's group moves on while a call there is live, `call.frameKey`
 * brings the new epoch's key.
 */
import { randomUUID } from 'node:crypto';
import type { CallContent, CallId } from '../../../../protocol/content/callSchema';
import { missingCase } from '../../../../protocol/result';
import { historyPreview, historyText } from '../../calls/callHistory';
import { initialCallsState, step } from '../../calls/callMachine';
import { findCall, isBusy, viewOf } from '../../calls/callState';
import type { Call, CallEffect, CallEvent, CallHistoryLine, CallMedia, CallsState, CallView, Description, DeviceRef, UserRef } from '../../calls/callTypes';
import { peerOf } from '../../calls/oneToOneRules';
import type { EventName, EventOf, RequestOf, ResponseOf } from '../../ipc/contract';
import { CoreError } from '../../ipc/errors';
import type { Logger } from '../../log';
import { insertSystemMessage, setMessagePreview } from '../../store/messages';
import { writeTransaction } from '../../store/handles';
import { qualified, userName } from '../../store/users';
import { readPreferences } from '../../services/preferences';
import type { Announcer } from '../announcer';
import type { DesktopNotifications } from '../desktopNotifications';
import { selfDevice, value } from '../device';
import type { MlsEngine } from '../../crypto/mls/mlsEngine';
import type { WritableDB } from '../../store/handles';
import type { GroupSession } from '../groupSession';
import type { OutgoingMessages } from '../outgoingMessages';
import { readCallConversation, storedEpoch } from './callConversation';
import type { CallServiceOptions } from './callOptions';
import { machineConfig } from './callOptions';
import { tamperedCallContent } from './fingerprintTamper';

/** A call id handed out by `calls.prepare` lapses if the call is not started within this long. */
export const RESERVATION_MS = 30_000;

export interface CallServiceDeps {
  readonly groups: GroupSession;
  readonly outgoing: Pick<OutgoingMessages, 'sendContent' | 'requireSendable'>;
  readonly notifications: Pick<DesktopNotifications, 'notifyCall'>;
  readonly announcer: Announcer;
  readonly log: Logger;
  readonly options: CallServiceOptions;
  /** A conference holds this device (conference/conferenceService.ts): one call or conference at a time. */
  readonly conferenceBusy?: () => boolean;
}

/** A decrypted call message, as the receive path hands it over (after its transaction committed). */
export type ReceivedCallMessage = Readonly<{ conversationId: string; from: DeviceRef; sentAt: number; content: CallContent }>;

type Reservation = Readonly<{ conversationId: string; peer: UserRef; media: CallMedia; timer: NodeJS.Timeout }>;
type RemoteDescription = EventOf<'call.description'>;
type Activity = EventOf<'call.activity'>;

/** Phases in which this device takes part in a call (ringing included). */
const LIVE_PHASES: ReadonlySet<Call['state']['phase']> = new Set(['outgoing', 'incoming', 'connecting', 'active']);

/** The call messages whose failure to leave fails the request: without them the call cannot go on. */
const NEEDED: ReadonlySet<CallContent['type']> = new Set(['call-setup', 'call-answer', 'call-ice-restart', 'call-media']);

export class CallService {
  private state: CallsState;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly reservations = new Map<string, Reservation>();
  private readonly descriptions = new Map<string, RemoteDescription>();
  /** Per live call, the epoch whose frame key the renderer has (or had when the call began here). */
  private readonly keyEpochs = new Map<string, Readonly<{ conversationId: string; epoch: number | undefined }>>();
  private activity: Activity = { active: false, ringing: false };
  private closed = false;
  /** The MLS engine once made: a received call message is stepped in the receive transaction only with it at hand. */
  private engine: MlsEngine | undefined;
  /**
   * Received messages already stepped in their receive transaction (keyed by their content),
   * with the effects left to carry out after the commit.
   */
  private readonly stepped = new WeakMap<CallContent, Readonly<{ effects: readonly CallEffect[]; lines: readonly Readonly<{ conversationId: string; id: string }>[] }>>();
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: CallServiceDeps) {
    const { device } = deps.groups;
    this.state = initialCallsState({ user: { id: device.userId, domain: device.domain }, clientId: device.clientId }, machineConfig(deps.options.timings));
    this.unsubscribe = deps.announcer.events.subscribe((event, payload) => this.noticed(event, payload));
    deps.groups.mls().then(
      (engine) => {
        this.engine = engine;
      },
      () => undefined,
    );
  }

  // ---- Requests (core.ts) ----

  prepare({ conversationId, media }: RequestOf<'calls.prepare'>): Promise<ResponseOf<'calls.prepare'>> {
    return this.serial(async () => {
      const conversation = readCallConversation(this.deps.groups, await this.deps.groups.mls(), conversationId);
      if (conversation === undefined) throw new CoreError('conversation-not-found');
      if (conversation.kind === 'one-to-one' && conversation.devices.length === 0) throw new CoreError('conversation-not-joined');
      const peer = peerOf(conversation, this.state.self.user);
      if (peer === undefined) throw new CoreError('call-no-calls-here');
      if (this.busy()) throw new CoreError('call-busy');
      // Refused before the shell opens camera and microphone, not only when the setup would be sent.
      this.deps.outgoing.requireSendable(conversationId);
      const callId = randomUUID();
      const timer = setTimeout(() => {
        this.reservations.delete(callId);
        this.updateActivity();
      }, this.deps.options.timings?.reservationMs ?? RESERVATION_MS);
      timer.unref();
      this.reservations.set(callId, { conversationId, peer, media, timer });
      this.updateActivity();
      return { callId };
    });
  }

  start({ callId, offer }: RequestOf<'calls.start'>): Promise<CallView> {
    return this.serial(async () => {
      const id = callId.toLowerCase();
      const reservation = this.reservations.get(id);
      if (reservation === undefined) throw new CoreError(findCall(this.state, id) ? 'call-exists' : 'call-not-found');
      const conversation = readCallConversation(this.deps.groups, await this.deps.groups.mls(), reservation.conversationId);
      if (conversation === undefined) throw new CoreError('conversation-not-found');
      await this.carryOut({ kind: 'start', callId: id, conversation, media: reservation.media, cbr: this.constantBitRate(), offer: description(offer) });
      // The call exists now: the reservation is spent (kept on failure, so the renderer may try again).
      this.release(id);
      return this.view(id);
    });
  }

  accept({ callId, answer }: RequestOf<'calls.accept'>): Promise<CallView> {
    return this.serial(async () => {
      if (this.deps.conferenceBusy?.() === true) throw new CoreError('call-busy');
      await this.carryOut({ kind: 'accept', callId, answer: description(answer), cbr: this.constantBitRate() });
      return this.view(callId);
    });
  }

  decline({ callId }: RequestOf<'calls.decline'>): Promise<CallView> {
    return this.serial(async () => {
      await this.carryOut({ kind: 'decline', callId });
      return this.view(callId);
    });
  }

  hangUp({ callId, dataChannelOpen }: RequestOf<'calls.hangUp'>): Promise<CallView> {
    return this.serial(async () => {
      const id = callId.toLowerCase();
      const reservation = this.reservations.get(id);
      if (reservation !== undefined && findCall(this.state, id) === undefined) {
        // Given up before the setup left: nobody was called, so there is nothing to send or record.
        this.release(id);
        const now = Date.now();
        const { conversationId, peer, media } = reservation;
        return { callId: id, conversationId, peer, direction: 'outgoing', media, cbr: this.constantBitRate(), phase: 'ended', since: now, reason: { kind: 'cancelled' } };
      }
      await this.carryOut({ kind: 'hang-up', callId, dataChannelOpen });
      return this.view(callId);
    });
  }

  report({ callId, report }: RequestOf<'calls.report'>): Promise<ResponseOf<'calls.report'>> {
    return this.serial(async () => {
      await this.carryOut(reportEvent(callId, report));
      return {};
    });
  }

  /** The call's frame key for the conversation's current epoch, derived under the group lock. */
  async frameKey({ callId }: RequestOf<'calls.frameKey'>): Promise<ResponseOf<'calls.frameKey'>> {
    const id = callId.toLowerCase();
    const conversationId = this.keyedConversation(id);
    if (conversationId === undefined) throw new CoreError('call-not-found');
    const key = await this.deriveKey(conversationId, id);
    this.keyEpochs.set(id, { conversationId, epoch: key.epoch });
    return key;
  }

  remoteDescription({ callId }: RequestOf<'calls.remoteDescription'>): ResponseOf<'calls.remoteDescription'> {
    const found = this.descriptions.get(callId.toLowerCase());
    if (found === undefined) throw new CoreError('call-not-found');
    return found;
  }

  /** A 1:1 call (or one being prepared) or a conference holds this device. */
  busy(): boolean {
    return isBusy(this.state) || this.reservations.size > 0 || this.deps.conferenceBusy?.() === true;
  }

  /** Says `call.activity` again after a conference began or ended (the shell's camera and microphone grant). */
  refreshActivity(): void {
    this.updateActivity();
  }

  list(): ResponseOf<'calls.list'> {
    return { calls: this.state.calls.filter((c) => c.state.phase !== 'ended').map(viewOf) };
  }

  // ---- From the receive path ----

  /**
   * Steps the machine for a received call message inside the receive transaction `tx`, before it
   * commits: the history lines the step makes are written with `tx`, so the line of a call that
   * this message ends is stored with the message's consumption, or neither is. Everything else
   * (sending, timers, events, notifications) waits for `received`, after the commit. Without the
   * MLS engine at hand, or if anything here fails, the message is left to `received` as before.
   * Stepping outside the queue is safe: a request waiting on its send is only rolled back for its
   * own call (`carryOut`), and the effects left over run in the queue in order.
   */
  receivedInTransaction(tx: WritableDB, message: ReceivedCallMessage): void {
    const engine = this.engine;
    if (this.closed || engine === undefined) return;
    const before = this.state;
    try {
      const conversation = readCallConversation(this.deps.groups, engine, message.conversationId);
      if (conversation === undefined) return;
      const content = this.deps.options.testSeams?.alterReceivedCallFingerprints === true ? tamperedCallContent(message.content) : message.content;
      const { state, effects } = step(before, { kind: 'received', conversation, from: message.from, sentAt: message.sentAt, content }, Date.now());
      const lines: Array<Readonly<{ conversationId: string; id: string }>> = [];
      for (const effect of effects) {
        if (effect.kind !== 'history') continue;
        const id = this.writeLine(tx, effect.line);
        if (id !== undefined) lines.push({ conversationId: effect.line.conversationId, id });
      }
      this.state = state;
      this.stepped.set(message.content, { effects: effects.filter((e) => e.kind !== 'history'), lines });
    } catch (error) {
      this.state = before;
      this.deps.log.warn('a call message could not be stepped with its receive; it is handled after the commit', { error });
    }
  }

  /** Queues a decrypted call message for the machine; never awaited by the caller (it holds the group lock). */
  received(message: ReceivedCallMessage): void {
    if (this.closed) return;
    const stepped = this.stepped.get(message.content);
    if (stepped !== undefined) {
      this.stepped.delete(message.content);
      this.serial(() => this.carryOutStepped(stepped)).catch((error: unknown) =>
        this.deps.log.warn('a call message could not be handled', { conversationId: message.conversationId, error }),
      );
      return;
    }
    this.serial(async () => {
      const conversation = readCallConversation(this.deps.groups, await this.deps.groups.mls(), message.conversationId);
      if (conversation === undefined) return;
      const content = this.deps.options.testSeams?.alterReceivedCallFingerprints === true ? tamperedCallContent(message.content) : message.content;
      await this.carryOut({ kind: 'received', conversation, from: message.from, sentAt: message.sentAt, content });
    }).catch((error: unknown) => this.deps.log.warn('a call message could not be handled', { conversationId: message.conversationId, error }));
  }

  /**
   * Ends every call this device is in before the session goes (the app locks, the user signs
   * out): a ringing outgoing call is cancelled, a connecting or active one hung up with the E2EE
   * message (the page's data channel goes with the page's session, and the peer must not wait for
   * a timer that an active call does not have), each with its history line, written while the
   * store is still open. A call only ringing here is left to the other devices. Called while the
   * network is still up; a message that cannot leave is logged and the call ends here anyway.
   */
  async endAll(): Promise<void> {
    if (this.closed) return;
    await this.serial(async () => {
      for (const reservation of this.reservations.keys()) this.release(reservation);
      const mine = this.state.calls.filter((c) => c.state.phase === 'outgoing' || c.state.phase === 'connecting' || c.state.phase === 'active');
      for (const call of mine) {
        await this.carryOut({ kind: 'hang-up', callId: call.callId, dataChannelOpen: false }).catch((error: unknown) =>
          this.deps.log.warn('a call could not be ended before the session closed', { error }),
        );
      }
    });
  }

  /** Ends the service with its session: timers stop, and the shell hears that no call needs camera or microphone. */
  close(): void {
    this.closed = true;
    this.unsubscribe();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const reservation of this.reservations.values()) clearTimeout(reservation.timer);
    this.reservations.clear();
    if (this.activity.active || this.activity.ringing) {
      this.activity = { active: false, ringing: false };
      this.deps.announcer.events.emit('call.activity', this.activity);
    }
  }

  // ---- Carrying out the machine's effects ----

  /** Runs `work` after everything queued before it. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The effects of a received message that was stepped in its receive transaction (its lines are written). */
  private async carryOutStepped(stepped: Readonly<{ effects: readonly CallEffect[]; lines: readonly Readonly<{ conversationId: string; id: string }>[] }>): Promise<void> {
    if (this.closed) return;
    for (const line of stepped.lines) {
      this.deps.announcer.messageAdded(line.conversationId, line.id);
      this.deps.announcer.conversationChanged(line.conversationId);
    }
    try {
      for (const effect of stepped.effects) {
        const sent = await this.apply(effect);
        if (!sent.ok) this.deps.log.warn('a call message could not be sent; the call goes on here without it', { type: effect.kind === 'send' ? effect.content.type : effect.kind });
      }
    } finally {
      this.afterStep();
    }
  }

  private async carryOut(event: CallEvent): Promise<void> {
    if (this.closed) throw new CoreError('account-signed-out');
    const before = this.state;
    const { state, effects } = step(before, event, Date.now());
    this.state = state;
    try {
      for (const [index, effect] of effects.entries()) {
        const sent = await this.apply(effect);
        if (sent.ok) continue;
        if (index === 0 && effect.kind === 'send' && NEEDED.has(effect.content.type)) {
          // Nothing else of this step ran: the machine stays where it was, the request fails. A
          // message stepped in a receive transaction meanwhile (receivedInTransaction) is kept:
          // then only this request's call goes back.
          this.state = this.state === state ? before : withCallOf(this.state, before, callIdOf(event));
          throw sent.error;
        }
        this.deps.log.warn('a call message could not be sent; the call goes on here without it', { type: effect.kind === 'send' ? effect.content.type : effect.kind });
      }
    } finally {
      this.afterStep();
    }
  }

  /** One effect; a failed send is returned (carryOut decides), anything else that fails is thrown. */
  private async apply(effect: CallEffect): Promise<{ ok: true } | { ok: false; error: unknown }> {
    const { announcer, notifications, outgoing } = this.deps;
    switch (effect.kind) {
      case 'send':
        try {
          await outgoing.sendContent(effect.conversationId, effect.content);
          return { ok: true };
        } catch (error) {
          return { ok: false, error };
        }
      case 'start-timer': {
        this.stopTimer(effect.callId, effect.timer);
        const key = `${effect.callId} ${effect.timer}`;
        const timer = setTimeout(() => {
          this.timers.delete(key);
          this.serial(() => this.carryOut({ kind: 'timer', callId: effect.callId, timer: effect.timer })).catch((error: unknown) =>
            this.deps.log.warn('a call timer could not be handled', { error }),
          );
        }, effect.ms);
        timer.unref();
        this.timers.set(key, timer);
        return { ok: true };
      }
      case 'stop-timer':
        this.stopTimer(effect.callId, effect.timer);
        return { ok: true };
      case 'history': {
        const { line } = effect;
        const id = writeTransaction(this.deps.groups.device.db, (tx) => this.writeLine(tx, line));
        announcer.messageAdded(line.conversationId, id);
        announcer.conversationChanged(line.conversationId);
        return { ok: true };
      }
      case 'notify':
        notifications.notifyCall(effect.conversationId, effect.callId, this.nameOf(effect.peer), effect.notice, effect.media);
        return { ok: true };
      case 'emit':
        announcer.events.emit('call.state', effect.view);
        return { ok: true };
      case 'remote-description': {
        const remote: RemoteDescription = { callId: effect.callId, type: effect.type, sdp: effect.sdp, fingerprint: effect.fingerprint };
        this.descriptions.set(effect.callId, remote);
        announcer.events.emit('call.description', remote);
        return { ok: true };
      }
      case 'refused':
        throw new CoreError(effect.code, effect.message);
      default:
        return missingCase(effect);
    }
  }

  /**
   * The history line of a call, `system-call-<call id>` (one per call: a second is ignored), with
   * its short form for the conversation list; its id when it was added.
   */
  private writeLine(tx: WritableDB, line: CallHistoryLine): string | undefined {
    const id = insertSystemMessage(tx, line.conversationId, `system-call-${line.callId}`, historyText(line, this.nameOf(line.peer)), selfDevice(this.deps.groups.device), line.at);
    if (id !== undefined) setMessagePreview(tx, line.conversationId, id, historyPreview(line));
    return id;
  }

  private stopTimer(callId: CallId, timer: string): void {
    const key = `${callId} ${timer}`;
    const running = this.timers.get(key);
    if (running !== undefined) clearTimeout(running);
    this.timers.delete(key);
  }

  /** Bookkeeping after every step: what ended is forgotten here, a call that became live is watched for new epochs. */
  private afterStep(): void {
    for (const call of this.state.calls) {
      if (LIVE_PHASES.has(call.state.phase)) {
        if (!this.keyEpochs.has(call.callId)) this.keyEpochs.set(call.callId, { conversationId: call.conversationId, epoch: storedEpoch(this.deps.groups.device.db, call.conversationId) });
      } else {
        this.keyEpochs.delete(call.callId);
        if (call.state.phase === 'ended') this.descriptions.delete(call.callId);
      }
    }
    for (const id of this.keyEpochs.keys()) if (findCall(this.state, id) === undefined && !this.reservations.has(id)) this.keyEpochs.delete(id);
    this.updateActivity();
  }

  private updateActivity(): void {
    const next: Activity = {
      active: this.busy(),
      ringing: this.state.calls.some((c) => c.state.phase === 'incoming'),
    };
    if (next.active === this.activity.active && next.ringing === this.activity.ringing) return;
    this.activity = next;
    if (!this.closed) this.deps.announcer.events.emit('call.activity', next);
  }

  private release(callId: string): void {
    const reservation = this.reservations.get(callId);
    if (reservation === undefined) return;
    clearTimeout(reservation.timer);
    this.reservations.delete(callId);
    this.updateActivity();
  }

  private view(callId: string): CallView {
    const call = findCall(this.state, callId);
    if (call === undefined) throw new CoreError('call-not-found');
    return viewOf(call);
  }

  private constantBitRate(): boolean {
    return readPreferences(this.deps.groups.device.db)['calls.constantBitRate'];
  }

  /** The display name for sentences and notifications. */
  private nameOf(user: UserRef): string {
    const name = userName(this.deps.groups.device.db, qualified(user));
    return name !== undefined && name !== '' ? name : 'Someone';
  }

  // ---- Frame keys ----

  /** The conversation of a call that may have frame keys: one this device takes part in, or one it reserved. */
  private keyedConversation(callId: string): string | undefined {
    const call = findCall(this.state, callId);
    if (call !== undefined) return LIVE_PHASES.has(call.state.phase) ? call.conversationId : undefined;
    return this.reservations.get(callId)?.conversationId;
  }

  private deriveKey(conversationId: string, callId: string): Promise<ResponseOf<'calls.frameKey'>> {
    const { groups } = this.deps;
    return groups.exclusive(async () => {
      const engine = await groups.mls();
      const key = value(await engine.callBaseKey(groups.group(engine, conversationId), callId));
      return { callId, epoch: key.epoch, baseKey: Buffer.from(key.baseKey).toString('base64url'), selfLeaf: key.selfLeaf };
    });
  }

  /**
   * Every epoch change of a conversation is announced (a received commit's follow-ups, an own
   * commit, an external join): then each live call there whose renderer holds an older key gets
   * the new one. Called inside the receive path's lock, so the derivation is only queued.
   */
  private noticed(event: EventName, payload: unknown): void {
    if (this.keyEpochs.size === 0 || this.closed) return;
    const conversationId = conversationOf(event, payload);
    if (conversationId === undefined) return;
    const epoch = storedEpoch(this.deps.groups.device.db, conversationId);
    for (const [callId, known] of this.keyEpochs) {
      if (known.conversationId !== conversationId || known.epoch === epoch || epoch === undefined) continue;
      this.keyEpochs.set(callId, { conversationId, epoch });
      this.deriveKey(conversationId, callId).then(
        (key) => {
          if (this.closed || !this.keyEpochs.has(callId)) return;
          this.keyEpochs.set(callId, { conversationId, epoch: key.epoch });
          this.deps.announcer.events.emit('call.frameKey', key);
        },
        (error: unknown) => this.deps.log.warn('the frame key of a new epoch could not be derived', { error }),
      );
    }
  }
}

function conversationOf(event: EventName, payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  if (event === 'conversation.changed' && 'id' in payload && typeof payload.id === 'string') return payload.id;
  if (event === 'message.added' && 'conversationId' in payload && typeof payload.conversationId === 'string') return payload.conversationId;
  return undefined;
}

/** The call a request or report is about (undefined for received messages and timers' own). */
function callIdOf(event: CallEvent): string | undefined {
  return 'callId' in event ? event.callId.toLowerCase() : undefined;
}

/** `now` with the call `callId` as it was in `then` (removed if it did not exist then). */
function withCallOf(now: CallsState, then: CallsState, callId: string | undefined): CallsState {
  if (callId === undefined) return now;
  const old = findCall(then, callId);
  const others = now.calls.filter((c) => c.callId !== callId);
  return { ...now, calls: old === undefined ? others : [...others, old] };
}

function description(d: Readonly<{ sdp: string; fingerprint: Description['fingerprint'] }>): Description {
  return { sdp: d.sdp, fingerprint: d.fingerprint };
}

function reportEvent(callId: CallId, report: RequestOf<'calls.report'>['report']): CallEvent {
  switch (report.kind) {
    case 'connected':
      return { kind: 'connected', callId };
    case 'connection-failed':
      return { kind: 'connection-failed', callId, code: report.code };
    case 'peer-hung-up':
      return { kind: 'peer-hung-up', callId };
    case 'peer-media':
      return { kind: 'peer-media', callId, media: report.media };
    case 'ice-restart':
      return { kind: 'ice-restart', callId, role: report.role, description: description(report.description) };
    default:
      return missingCase(report);
  }
}
