import { describe, expect, it } from 'vitest';
import type { FrameInfo, KindCounters } from '../../../../renderer/calls/frameCipher';
import {
  VP8_DELTA_FRAME_CLEAR_BYTES,
  VP8_KEY_FRAME_CLEAR_BYTES,
  clearPrefixLength,
  emptyCounters,
  kindStats,
  processFrame,
} from '../../../../renderer/calls/frameCipher';
import { EPOCH_GRACE_MS, FrameKeyring, MAX_STEPS_AHEAD } from '../../../../renderer/calls/frameKeys';
import { REPLAY_WINDOW } from '../../../../renderer/calls/replayWindow';
import type { Bytes } from '../../../../renderer/calls/sframe';
import { TAG_BYTES, decodeHeader, makeKid, splitKid } from '../../../../renderer/calls/sframe';

const KEY_FRAME: FrameInfo = { kind: 'video', videoType: 'key', mimeType: 'video/VP8' };
const DELTA_FRAME: FrameInfo = { kind: 'video', videoType: 'delta', mimeType: 'video/VP8' };
const AUDIO: FrameInfo = { kind: 'audio', videoType: undefined, mimeType: 'audio/opus' };

function randomKey(): Bytes {
  return crypto.getRandomValues(new Uint8Array(32));
}

function frame(length: number): Bytes {
  return crypto.getRandomValues(new Uint8Array(length));
}

/** A clock the test moves by hand, for the epoch grace period. */
function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

interface Peer {
  readonly keys: FrameKeyring;
  readonly counters: KindCounters;
}

function peer(now: () => number): Peer {
  return { keys: new FrameKeyring(now), counters: emptyCounters() };
}

async function send(from: Peer, info: FrameInfo, data: Bytes, now: () => number = () => 0): Promise<Bytes | undefined> {
  const out = await processFrame(from.keys, 'encrypt', info, data, from.counters, now);
  return out.ok ? out.data : undefined;
}

async function receive(to: Peer, info: FrameInfo, data: Bytes, now: () => number = () => 0): Promise<Bytes | undefined> {
  const out = await processFrame(to.keys, 'decrypt', info, data, to.counters, now);
  return out.ok ? out.data : undefined;
}

describe('frame layout', () => {
  it('leaves the VP8 payload header clear (10 bytes on key frames, 3 on delta frames) and encrypts audio whole', () => {
    expect(clearPrefixLength(KEY_FRAME)).toBe(VP8_KEY_FRAME_CLEAR_BYTES);
    expect(clearPrefixLength(DELTA_FRAME)).toBe(VP8_DELTA_FRAME_CLEAR_BYTES);
    expect(clearPrefixLength(AUDIO)).toBe(0);
    expect(clearPrefixLength({ kind: 'video', videoType: 'key', mimeType: 'video/H264' })).toBe(0);
  });

  it('sends the clear prefix unchanged before the SFrame header, and the receiver restores the exact frame', async () => {
    const c = clock();
    const alice = peer(c.now);
    const bob = peer(c.now);
    const base = randomKey();
    alice.keys.install({ epoch: 7, baseKey: base, selfLeaf: 0 });
    bob.keys.install({ epoch: 7, baseKey: base, selfLeaf: 1 });
    for (const [info, size] of [[KEY_FRAME, 40_000], [DELTA_FRAME, 1200], [AUDIO, 80]] as const) {
      const plain = frame(size);
      const wire = await send(alice, info, plain);
      if (wire === undefined) throw new Error('not sent');
      const clear = clearPrefixLength(info);
      expect(wire.subarray(0, clear)).toEqual(plain.subarray(0, clear));
      const header = decodeHeader(wire, clear);
      expect(header.ok && splitKid(header.value.kid)).toEqual({ step: 0, leaf: 0, epochLow: 7 });
      expect(wire.length).toBe(size + (header.ok ? header.value.length : 0) + TAG_BYTES);
      expect(await receive(bob, info, wire)).toEqual(plain);
    }
    expect(alice.counters).toMatchObject({ encrypted: 3, noKey: 0 });
    expect(bob.counters).toMatchObject({ decrypted: 3, failed: 0, noKey: 0 });
  });

  it('authenticates the clear prefix: a changed VP8 header makes the frame fail', async () => {
    const base = randomKey();
    const alice = peer(() => 0);
    const bob = peer(() => 0);
    alice.keys.install({ epoch: 1, baseKey: base, selfLeaf: 0 });
    bob.keys.install({ epoch: 1, baseKey: base, selfLeaf: 1 });
    const wire = await send(alice, DELTA_FRAME, frame(500));
    if (wire === undefined) throw new Error('not sent');
    wire[1] = (wire[1] ?? 0) ^ 0x10;
    expect(await receive(bob, DELTA_FRAME, wire)).toBeUndefined();
    expect(bob.counters).toMatchObject({ decrypted: 0, failed: 1 });
  });
});

describe('fail closed', () => {
  it('drops outgoing frames while no key is installed, never sending them clear', async () => {
    const alice = peer(() => 0);
    expect(await send(alice, AUDIO, frame(80))).toBeUndefined();
    expect(await send(alice, KEY_FRAME, frame(4000))).toBeUndefined();
    expect(alice.counters).toMatchObject({ encrypted: 0, noKey: 2 });
  });

  it('drops frames sealed under another base key, and frames naming an epoch it has no key for', async () => {
    const alice = peer(() => 0);
    const bob = peer(() => 0);
    alice.keys.install({ epoch: 1, baseKey: randomKey(), selfLeaf: 0 });
    bob.keys.install({ epoch: 1, baseKey: randomKey(), selfLeaf: 1 });
    const wrongKey = await send(alice, AUDIO, frame(100));
    if (wrongKey === undefined) throw new Error('not sent');
    expect(await receive(bob, AUDIO, wrongKey)).toBeUndefined();
    alice.keys.install({ epoch: 2, baseKey: randomKey(), selfLeaf: 0 });
    const unknownEpoch = await send(alice, AUDIO, frame(100));
    if (unknownEpoch === undefined) throw new Error('not sent');
    expect(await receive(bob, AUDIO, unknownEpoch)).toBeUndefined();
    expect(bob.counters).toMatchObject({ decrypted: 0, failed: 1, noKey: 1 });
  });

  it('counts malformed frames as failed and goes on decrypting the next good one', async () => {
    const base = randomKey();
    const alice = peer(() => 0);
    const bob = peer(() => 0);
    alice.keys.install({ epoch: 1, baseKey: base, selfLeaf: 0 });
    bob.keys.install({ epoch: 1, baseKey: base, selfLeaf: 1 });
    const good = await send(alice, KEY_FRAME, frame(3000));
    if (good === undefined) throw new Error('not sent');
    const truncatedHeader = good.slice(0, VP8_KEY_FRAME_CLEAR_BYTES + 2);
    const headerPastEnd = new Uint8Array([...good.subarray(0, VP8_KEY_FRAME_CLEAR_BYTES), 0xff, ...new Uint8Array(TAG_BYTES)]);
    for (const bad of [new Uint8Array(0), good.subarray(0, 5), truncatedHeader, headerPastEnd, good.subarray(0, good.length - 1)]) {
      expect(await receive(bob, KEY_FRAME, bad)).toBeUndefined();
    }
    expect(bob.counters.failed).toBe(5);
    expect(await receive(bob, KEY_FRAME, good)).toBeDefined();
    expect(bob.counters.decrypted).toBe(1);
  });

  it('forgets every key on close: frames of the call neither go out nor come in', async () => {
    const base = randomKey();
    const alice = peer(() => 0);
    const bob = peer(() => 0);
    alice.keys.install({ epoch: 1, baseKey: base, selfLeaf: 0 });
    bob.keys.install({ epoch: 1, baseKey: base, selfLeaf: 1 });
    const wire = await send(alice, AUDIO, frame(80));
    if (wire === undefined) throw new Error('not sent');
    bob.keys.close();
    alice.keys.close();
    expect(await receive(bob, AUDIO, wire)).toBeUndefined();
    expect(await send(alice, AUDIO, frame(80))).toBeUndefined();
    expect(bob.counters.noKey).toBe(1);
    expect(alice.counters.noKey).toBe(1);
  });

  it('refuses a base key that is not 32 bytes, a leaf index past 255 and an epoch older than the current one', () => {
    const keys = new FrameKeyring(() => 0);
    expect(keys.install({ epoch: 1, baseKey: new Uint8Array(16), selfLeaf: 0 })).toEqual({ ok: false, error: 'invalid-key' });
    expect(keys.install({ epoch: 1, baseKey: randomKey(), selfLeaf: 256 })).toEqual({ ok: false, error: 'invalid-key' });
    expect(keys.install({ epoch: 4, baseKey: randomKey(), selfLeaf: 0 })).toEqual({ ok: true });
    expect(keys.install({ epoch: 3, baseKey: randomKey(), selfLeaf: 0 })).toEqual({ ok: false, error: 'stale-epoch' });
  });
});

describe('replay protection', () => {
  async function pair(): Promise<{ alice: Peer; bob: Peer }> {
    const base = randomKey();
    const alice = peer(() => 0);
    const bob = peer(() => 0);
    alice.keys.install({ epoch: 1, baseKey: base, selfLeaf: 0 });
    bob.keys.install({ epoch: 1, baseKey: base, selfLeaf: 1 });
    return { alice, bob };
  }

  it('drops a frame it already decrypted, and counts it as replayed', async () => {
    const { alice, bob } = await pair();
    const wire = await send(alice, AUDIO, frame(80));
    if (wire === undefined) throw new Error('not sent');
    expect(await receive(bob, AUDIO, wire)).toBeDefined();
    expect(await receive(bob, AUDIO, wire)).toBeUndefined();
    expect(bob.counters).toMatchObject({ decrypted: 1, replayed: 1, failed: 0 });
  });

  it('accepts frames out of order within the window and drops one older than the window', async () => {
    const { alice, bob } = await pair();
    const sent: Bytes[] = [];
    for (let i = 0; i < REPLAY_WINDOW + 1; i++) {
      const wire = await send(alice, AUDIO, frame(20));
      if (wire === undefined) throw new Error('not sent');
      sent.push(wire);
    }
    const [oldest, second, ...rest] = sent;
    if (oldest === undefined || second === undefined) throw new Error('nothing sent');
    for (const wire of rest.reverse()) expect(await receive(bob, AUDIO, wire)).toBeDefined();
    expect(await receive(bob, AUDIO, second)).toBeDefined();
    expect(await receive(bob, AUDIO, oldest)).toBeUndefined();
    expect(bob.counters).toMatchObject({ decrypted: REPLAY_WINDOW, replayed: 1 });
  });

  it('keeps its replay window when the same epoch key is installed again', async () => {
    const base = randomKey();
    const alice = peer(() => 0);
    const bob = peer(() => 0);
    alice.keys.install({ epoch: 1, baseKey: base, selfLeaf: 0 });
    bob.keys.install({ epoch: 1, baseKey: base, selfLeaf: 1 });
    const wire = await send(alice, AUDIO, frame(80));
    if (wire === undefined) throw new Error('not sent');
    expect(await receive(bob, AUDIO, wire)).toBeDefined();
    expect(bob.keys.install({ epoch: 1, baseKey: base.slice(), selfLeaf: 1 })).toEqual({ ok: true });
    expect(await receive(bob, AUDIO, wire)).toBeUndefined();
    expect(bob.counters).toMatchObject({ decrypted: 1, replayed: 1 });
  });

  it('remembers a counter only after its frame authenticated, so a forgery cannot block the real frame', async () => {
    const { alice, bob } = await pair();
    const wire = await send(alice, AUDIO, frame(80));
    if (wire === undefined) throw new Error('not sent');
    const forged = wire.slice();
    forged[forged.length - 1] = (forged[forged.length - 1] ?? 0) ^ 1;
    expect(await receive(bob, AUDIO, forged)).toBeUndefined();
    expect(await receive(bob, AUDIO, wire)).toBeDefined();
    expect(bob.counters).toMatchObject({ decrypted: 1, failed: 1, replayed: 0 });
  });
});

describe('epochs and the ratchet', () => {
  it('keeps decrypting the previous epoch for the grace period after a new key, then forgets it', async () => {
    const c = clock();
    const [oldBase, newBase] = [randomKey(), randomKey()];
    const alice = peer(c.now);
    const bob = peer(c.now);
    alice.keys.install({ epoch: 9, baseKey: oldBase, selfLeaf: 0 });
    bob.keys.install({ epoch: 9, baseKey: oldBase, selfLeaf: 1 });
    const early = await send(alice, AUDIO, frame(80));
    const late = await send(alice, AUDIO, frame(80));
    if (early === undefined || late === undefined) throw new Error('not sent');
    bob.keys.install({ epoch: 10, baseKey: newBase, selfLeaf: 1 });
    expect(await receive(bob, AUDIO, early)).toBeDefined();
    c.advance(EPOCH_GRACE_MS);
    expect(await receive(bob, AUDIO, late)).toBeUndefined();
    expect(bob.counters).toMatchObject({ decrypted: 1, noKey: 1 });
  });

  it('derives a sender\'s later ratchet steps without a message, within a bounded look-ahead', async () => {
    const base = randomKey();
    const alice = peer(() => 0);
    const bob = peer(() => 0);
    alice.keys.install({ epoch: 3, baseKey: base, selfLeaf: 2 });
    bob.keys.install({ epoch: 3, baseKey: base, selfLeaf: 1 });
    expect(await alice.keys.ratchet()).toBe(true);
    expect(await alice.keys.ratchet()).toBe(true);
    const wire = await send(alice, AUDIO, frame(80));
    if (wire === undefined) throw new Error('not sent');
    const header = decodeHeader(wire);
    expect(header.ok && header.value.kid).toBe(makeKid({ step: 2, leaf: 2, epochLow: 3 }));
    expect(await receive(bob, AUDIO, wire)).toBeDefined();
    expect(await bob.keys.keyFor(makeKid({ step: 2 + MAX_STEPS_AHEAD + 1, leaf: 2, epochLow: 3 }))).toBeUndefined();
  });

  it('erases the base keys more than one step behind its own after ratcheting (forward secrecy)', async () => {
    const keys = new FrameKeyring(() => 0);
    keys.install({ epoch: 1, baseKey: randomKey(), selfLeaf: 0 });
    expect(await keys.keyFor(makeKid({ step: 0, leaf: 1, epochLow: 1 }))).toBeDefined();
    await keys.ratchet();
    await keys.ratchet();
    expect(await keys.keyFor(makeKid({ step: 0, leaf: 1, epochLow: 1 }))).toBeUndefined();
    expect(await keys.keyFor(makeKid({ step: 1, leaf: 1, epochLow: 1 }))).toBeDefined();
  });

  it('never repeats a counter for a key, and a restarted keyring with the same key starts elsewhere', async () => {
    const base = randomKey();
    const first = new FrameKeyring(() => 0);
    const second = new FrameKeyring(() => 0);
    first.install({ epoch: 1, baseKey: base, selfLeaf: 0 });
    second.install({ epoch: 1, baseKey: base, selfLeaf: 0 });
    const counters = new Set<bigint>();
    for (let i = 0; i < 50; i++) {
      const a = await first.sendKey();
      const b = await second.sendKey();
      if (a === undefined || b === undefined) throw new Error('no send key');
      counters.add(a.ctr);
      counters.add(b.ctr);
    }
    expect(counters.size).toBe(100);
  });
});

describe('conference keys', () => {
  it('moves its own sender straight to the ratchet step the core says is due, never back', async () => {
    const base = randomKey();
    const alice = peer(() => 0);
    const bob = peer(() => 0);
    alice.keys.install({ epoch: 4, baseKey: base, selfLeaf: 0 });
    bob.keys.install({ epoch: 4, baseKey: base, selfLeaf: 1 });
    expect(await alice.keys.ratchetTo(3)).toBe(true);
    expect(await alice.keys.ratchetTo(1)).toBe(true);
    expect(alice.keys.sendStep).toBe(3);
    const wire = await send(alice, AUDIO, frame(80));
    if (wire === undefined) throw new Error('not sent');
    const header = decodeHeader(wire);
    expect(header.ok && splitKid(header.value.kid)).toEqual({ step: 3, leaf: 0, epochLow: 4 });
    expect(await receive(bob, AUDIO, wire)).toBeDefined();
    expect(await new FrameKeyring(() => 0).ratchetTo(2)).toBe(false);
  });

  it('counts decrypted frames per sender leaf and their sizes, so a participant can tell whom it hears (and that CBR holds)', async () => {
    const base = randomKey();
    const [alice, carol, bob] = [peer(() => 0), peer(() => 0), peer(() => 0)];
    alice.keys.install({ epoch: 1, baseKey: base, selfLeaf: 0 });
    carol.keys.install({ epoch: 1, baseKey: base, selfLeaf: 2 });
    bob.keys.install({ epoch: 1, baseKey: base, selfLeaf: 1 });
    for (const size of [80, 120, 80]) {
      const fromAlice = await send(alice, AUDIO, frame(size));
      if (fromAlice) await receive(bob, AUDIO, fromAlice);
    }
    const fromCarol = await send(carol, AUDIO, frame(80));
    if (fromCarol) await receive(bob, AUDIO, fromCarol);
    // A frame that fails to authenticate names a sender but is not counted for it.
    const forged = await send(carol, AUDIO, frame(80));
    if (forged) {
      forged[forged.length - 1] = (forged[forged.length - 1] ?? 0) ^ 1;
      await receive(bob, AUDIO, forged);
    }
    expect(kindStats(bob.counters).bySender).toEqual([
      { leaf: 0, decrypted: 3, minBytes: 80, maxBytes: 120 },
      { leaf: 2, decrypted: 1, minBytes: 80, maxBytes: 80 },
    ]);
    expect(bob.counters.failed).toBe(1);
  });
});
