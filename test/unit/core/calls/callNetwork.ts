import { randomUUID } from 'node:crypto';
import { initialCallsState, step } from '../../../../electron/core/calls/callMachine';
import type { CallConversation, CallEffect, CallEvent, CallMachineConfig, CallsState, CallTimer, DeviceRef, Description } from '../../../../electron/core/calls/callTypes';
import type { CallContent } from '../../../../protocol/content/callSchema';
import { chromiumOffer, randomFingerprint } from '../../../fixtures/calls/chromiumSdp';

/**
 * Several devices, each with its own call machine, and a delivery that works like the MLS fan-out:
 * a message sent in a conversation reaches every other device of it, when the test says so (so
 * it can reorder, duplicate or hold back messages). Timers are kept per device and fire when the
 * test moves the clock.
 */
export class CallDevice {
  state: CallsState;
  readonly effects: CallEffect[] = [];
  readonly timers = new Map<string, Readonly<{ callId: string; timer: CallTimer; at: number }>>();

  constructor(
    readonly name: string,
    readonly ref: DeviceRef,
    private readonly net: CallNetwork,
    config: Partial<CallMachineConfig>,
  ) {
    this.state = initialCallsState(ref, config);
  }

  /** Feeds an event; returns the effects of this step only (all are also kept in `effects`). */
  feed(event: CallEvent): CallEffect[] {
    const result = step(this.state, event, this.net.now);
    this.state = result.state;
    for (const effect of result.effects) {
      this.effects.push(effect);
      if (effect.kind === 'send') this.net.posted(this, effect.conversationId, effect.content);
      if (effect.kind === 'start-timer') this.timers.set(`${effect.callId} ${effect.timer}`, { callId: effect.callId, timer: effect.timer, at: this.net.now + effect.ms });
      if (effect.kind === 'stop-timer') this.timers.delete(`${effect.callId} ${effect.timer}`);
    }
    return [...result.effects];
  }

  description(type: 'offer' | 'answer' = 'offer'): Description {
    const fingerprint = this.fingerprint;
    return { sdp: chromiumOffer(fingerprint, { type }), fingerprint };
  }

  readonly fingerprint = randomFingerprint();

  call(callId: string) {
    return this.state.calls.find((c) => c.callId === callId);
  }

  phase(callId: string): string | undefined {
    const call = this.call(callId);
    if (call === undefined) return undefined;
    return call.state.phase === 'ended' ? `ended:${call.state.reason.kind}` : call.state.phase;
  }

  /** Effects of one kind since the start (or since `from`). */
  of<K extends CallEffect['kind']>(kind: K, from = 0): Extract<CallEffect, { kind: K }>[] {
    return this.effects.slice(from).filter((e): e is Extract<CallEffect, { kind: K }> => e.kind === kind);
  }

  sent(from = 0): CallContent[] {
    return this.of('send', from).map((e) => e.content);
  }
}

export type Posted = Readonly<{ from: CallDevice; conversationId: string; content: CallContent; sentAt: number }>;

export class CallNetwork {
  now = 1_800_000_000_000;
  readonly inFlight: Posted[] = [];
  readonly conversations = new Map<string, CallConversation>();

  constructor(private readonly config: Partial<CallMachineConfig> = {}) {}

  device(name: string, user: Readonly<{ id: string; domain: string }>, clientId: string): CallDevice {
    return new CallDevice(name, { user, clientId }, this, this.config);
  }

  conversation(kind: CallConversation['kind'], ...members: readonly CallDevice[]): CallConversation {
    const conversation = { id: randomUUID(), kind, devices: members.map((m) => m.ref) };
    this.conversations.set(conversation.id, conversation);
    return conversation;
  }

  posted(from: CallDevice, conversationId: string, content: CallContent): void {
    this.inFlight.push({ from, conversationId, content, sentAt: this.now });
  }

  /** Delivers everything in flight (and what that causes) to every other device of its conversation. */
  deliverAll(devices: readonly CallDevice[]): void {
    while (this.inFlight.length > 0) {
      const next = this.inFlight.shift();
      if (next !== undefined) this.deliver(next, devices);
    }
  }

  /** Takes what is in flight without delivering it (the test delivers it later, reordered). */
  hold(): Posted[] {
    return this.inFlight.splice(0);
  }

  deliver(message: Posted, devices: readonly CallDevice[]): void {
    const conversation = this.conversations.get(message.conversationId);
    if (conversation === undefined) throw new Error('unknown conversation');
    for (const device of devices) {
      if (device === message.from || !conversation.devices.some((d) => d.user.id === device.ref.user.id && d.clientId === device.ref.clientId)) continue;
      device.feed({ kind: 'received', conversation, from: message.from.ref, sentAt: message.sentAt, content: message.content });
    }
  }

  /** Moves the clock and fires every device's timers that are due, in deadline order. */
  advance(ms: number, devices: readonly CallDevice[]): void {
    const until = this.now + ms;
    for (;;) {
      let due: { device: CallDevice; key: string; callId: string; timer: CallTimer; at: number } | undefined;
      for (const device of devices) {
        for (const [key, t] of device.timers) if (t.at <= until && (due === undefined || t.at < due.at)) due = { device, key, ...t };
      }
      if (due === undefined) break;
      this.now = due.at;
      due.device.timers.delete(due.key);
      due.device.feed({ kind: 'timer', callId: due.callId, timer: due.timer });
    }
    this.now = until;
  }
}
