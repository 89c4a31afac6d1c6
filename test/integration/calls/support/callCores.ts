/**
 * Helpers for the call service's integration tests: descriptions the core accepts (a Chromium-
 * shaped SDP that names its fingerprint), requests that must succeed, and what a core said.
 */
import { expect } from 'vitest';
import type { CallViewPayload } from '../../../../electron/core/ipc/callSchemas';
import type { RequestChannel, RequestOf, ResponseOf } from '../../../../electron/core/ipc/contract';
import type { DtlsFingerprint } from '../../../../protocol/content/callSchema';
import { chromiumOffer, randomFingerprint } from '../../../fixtures/calls/chromiumSdp';
import type { ObservedCore } from '../../../support/cores';
import { eventsOf } from '../../../support/cores';

export type TestDescription = Readonly<{ sdp: string; fingerprint: DtlsFingerprint }>;

/** A fresh certificate's description, as a renderer would hand it over after gathering. */
export function description(type: 'offer' | 'answer' = 'offer'): TestDescription {
  const fingerprint = randomFingerprint();
  return { sdp: chromiumOffer(fingerprint, { type }), fingerprint };
}

export async function ask<C extends RequestChannel>(o: ObservedCore, channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
  const result = await o.core.router.request(channel, request);
  if (!result.ok) throw new Error(`${o.profile} ${channel}: ${result.error.code}: ${result.error.message}`);
  return result.value;
}

/** The error code a request failed with (undefined when it succeeded). */
export async function refusal<C extends RequestChannel>(o: ObservedCore, channel: C, request: RequestOf<C>): Promise<string | undefined> {
  const result = await o.core.router.request(channel, request);
  return result.ok ? undefined : result.error.code;
}

export function states(o: ObservedCore, callId: string): CallViewPayload[] {
  return (eventsOf(o, 'call.state') as CallViewPayload[]).filter((v) => v.callId === callId);
}

/** The phase `call.state` last told, with the end reason: 'incoming', 'ended:declined', …. */
export function phaseOf(o: ObservedCore, callId: string): string | undefined {
  const last = states(o, callId).at(-1);
  if (last === undefined) return undefined;
  return last.phase === 'ended' ? `ended:${last.reason?.kind ?? '?'}` : last.phase;
}

export async function waitForPhase(o: ObservedCore, callId: string, phase: string, timeout = 15_000): Promise<void> {
  await expect.poll(() => phaseOf(o, callId), { timeout, message: `${o.profile} should reach ${phase}` }).toBe(phase);
}

export function descriptionsOf(o: ObservedCore, callId: string): Array<Readonly<{ type: string; sdp: string; fingerprint: DtlsFingerprint }>> {
  return (eventsOf(o, 'call.description') as Array<{ callId: string; type: string; sdp: string; fingerprint: DtlsFingerprint }>).filter((d) => d.callId === callId);
}

/** The system lines of a conversation, oldest first. */
export async function systemLines(o: ObservedCore, conversationId: string): Promise<string[]> {
  const result = await o.core.router.request('messages.list', { conversationId, limit: 200 });
  return result.ok ? result.value.messages.filter((m) => m.kind === 'system').map((m) => m.text ?? '') : [];
}

/** Waits until `line` is in the conversation's history on `o`. */
export async function waitForLine(o: ObservedCore, conversationId: string, line: string): Promise<void> {
  await expect.poll(() => systemLines(o, conversationId), { timeout: 20_000, message: `${o.profile} should show "${line}"` }).toContain(line);
}

export function notices(o: ObservedCore, conversationId: string): Array<Readonly<{ title: string; body: string }>> {
  return (eventsOf(o, 'notify') as Array<{ conversationId: string; title: string; body: string }>)
    .filter((n) => n.conversationId === conversationId)
    .map((n) => ({ title: n.title, body: n.body }));
}

export function activities(o: ObservedCore): Array<Readonly<{ active: boolean; ringing: boolean }>> {
  return eventsOf(o, 'call.activity') as Array<{ active: boolean; ringing: boolean }>;
}
