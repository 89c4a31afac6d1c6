/**
 * Cairn's MLS engine (ts-mls 1.6.4 on Cairn's node:crypto provider) against OpenMLS (Wire
 * core-crypto 10.3.0, WASM, loaded as the interop tests load it) in one run, same suite (1,
 * X25519) and the same group shapes (issue 15):
 *
 *   npm run bench mls            (BENCH_MLS_SIZES=10,100,1000 BENCH_MLS_ROUNDS=3)
 *
 * For each group size N (creator + N members), ROUNDS rounds alternate which side goes first;
 * each side keeps its fastest round per operation. Measured per round:
 * - key package generation (one package, averaged over KEY_PACKAGES);
 * - a group of N created in one commit (create + add N fresh key packages);
 * - Welcome processing by a member (averaged over the members that join: 1 and N);
 * - an application message encrypted by the creator and decrypted by member 1 (average of MESSAGES);
 * - an update commit: created by member 1, processed by member N (average of COMMITS);
 * - a remove commit (member 1 removes another member), processed by member N (average of COMMITS).
 * Wall time is what the ratios use; CPU time (user + system of all threads) is printed beside it,
 * since other work on the machine's two cores moves it less. The load average is printed with
 * each size.
 */
import os from 'node:os';
import type { MlsCommitOutput } from '../electron/core/crypto/mls/engineContext';
import type { MlsGroup } from '../electron/core/crypto/mls/mlsGroup';
import type { MlsClientIdentity } from '../electron/core/crypto/mls/mlsIdentity';
import { loadCoreCrypto } from '../test/fixtures/mls/coreCryptoWasm';
import type { TestDevice } from '../test/fixtures/mls/mlsTestDevices';
import { joinWelcome, keyPackageOf, must, newDevice, user } from '../test/fixtures/mls/mlsTestDevices';
import type { OpenMlsConversation } from '../test/fixtures/mls/openMlsClient';
import { OpenMlsClient } from '../test/fixtures/mls/openMlsClient';
import type { BenchResult, Timing } from './harness';

const SIZES = (process.env.BENCH_MLS_SIZES ?? '10,100').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_MLS_ROUNDS ?? 3);
const KEY_PACKAGES = 20;
const MESSAGES = 100;
const COMMITS = 3;
const PLAINTEXT = new TextEncoder().encode('a typical chat line of about sixty bytes, with an emoji 🙂');

const OPERATIONS = ['key package', 'group of N in one commit', 'Welcome processing', 'message encrypt + decrypt', 'update commit create', 'update commit process', 'remove commit process'] as const;
type Operation = (typeof OPERATIONS)[number];
type Sample = Readonly<{ wallUs: number; cpuUs: number }>;
type Samples = Map<Operation, Sample[]>;

/** Times `count` runs of `work` (one call doing them all) and returns the per-run cost. */
async function timed(count: number, work: () => Promise<void>): Promise<Sample> {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await work();
  const wallUs = Number(process.hrtime.bigint() - start) / 1000 / count;
  const used = process.cpuUsage(cpu);
  return { wallUs, cpuUs: (used.user + used.system) / count };
}

function record(samples: Samples, operation: Operation, sample: Sample): void {
  const list = samples.get(operation) ?? [];
  list.push(sample);
  samples.set(operation, list);
}

/** One side of the comparison: the same scenario written against each library. */
type Side = Readonly<{ name: string; round(n: number, round: number, samples: Samples): Promise<void> }>;

function cairnSide(): Side {
  const devices = new Map<number, TestDevice[]>();
  return {
    name: 'Cairn (ts-mls 1.6.4, node:crypto provider)',
    async round(n, round, samples) {
      let all = devices.get(n);
      if (all === undefined) {
        all = [];
        for (let i = 0; i <= n; i++) all.push(await newDevice(user(i + 1)));
        devices.set(n, all);
      }
      const [creator, first, last] = [all[0], all[1], all[n]];
      if (creator === undefined || first === undefined || last === undefined) throw new Error('devices missing');

      record(samples, 'key package', await timed(KEY_PACKAGES, async () => void must(await first.engine.generateKeyPackages(KEY_PACKAGES))));
      const packages: Uint8Array[] = [];
      for (const device of all.slice(1)) packages.push(await keyPackageOf(device));
      const groupId = new TextEncoder().encode(`bench-${n}-${round}`);
      let added: MlsCommitOutput | undefined;
      record(samples, 'group of N in one commit', await timed(1, async () => {
        added = must(await creator.engine.addMembers(must(await creator.engine.createGroup(groupId)), packages));
      }));
      if (added === undefined) throw new Error('no group');
      const welcome = added.welcome;
      const groups: MlsGroup[] = [];
      record(samples, 'Welcome processing', await timed(2, async () => {
        groups.push(await joinWelcome(first, welcome), await joinWelcome(last, welcome));
      }));
      const [firstJoined, lastJoined] = groups;
      if (firstJoined === undefined || lastJoined === undefined) throw new Error('no joins');
      const state = { creator: added.group, first: firstJoined, last: lastJoined };

      record(samples, 'message encrypt + decrypt', await timed(MESSAGES, async () => {
        for (let i = 0; i < MESSAGES; i++) {
          const sent = must(await creator.engine.encrypt(state.creator, PLAINTEXT));
          state.creator = sent.group;
          state.first = must(await first.engine.processMessage(state.first, sent.message)).group;
        }
      }));

      const commits: Uint8Array[] = [];
      record(samples, 'update commit create', await timed(COMMITS, async () => {
        for (let i = 0; i < COMMITS; i++) {
          const update = must(await first.engine.selfUpdate(state.first));
          state.first = update.group;
          commits.push(update.commit);
        }
      }));
      record(samples, 'update commit process', await timed(COMMITS, async () => {
        for (const commit of commits) state.last = must(await last.engine.processMessage(state.last, commit)).group;
      }));
      const removals: Uint8Array[] = [];
      for (let i = 0; i < COMMITS; i++) {
        const victim: MlsClientIdentity | undefined = all[2 + i]?.identity;
        if (victim === undefined || victim === last.identity) break;
        const removal = must(await first.engine.removeMembers(state.first, [victim]));
        state.first = removal.group;
        removals.push(removal.commit);
      }
      record(samples, 'remove commit process', await timed(removals.length, async () => {
        for (const commit of removals) state.last = must(await last.engine.processMessage(state.last, commit)).group;
      }));
    },
  };
}

async function openMlsSide(): Promise<Side> {
  const cc = await loadCoreCrypto();
  const clients = new Map<number, OpenMlsClient[]>();
  return {
    name: `OpenMLS (core-crypto ${cc.version()}, WASM)`,
    async round(n, round, samples) {
      let all = clients.get(n);
      if (all === undefined) {
        all = [];
        for (let i = 0; i <= n; i++) all.push(await OpenMlsClient.create(cc, { userId: user(i + 1), clientId: (0x1000 + i).toString(16).padStart(16, '0'), domain: 'cairn.test' }, 1));
        clients.set(n, all);
      }
      const [creator, first, last] = [all[0], all[1], all[n]];
      if (creator === undefined || first === undefined || last === undefined) throw new Error('clients missing');

      record(samples, 'key package', await timed(KEY_PACKAGES, async () => {
        for (let i = 0; i < KEY_PACKAGES; i++) await first.keyPackage();
      }));
      const packages: Uint8Array[] = [];
      for (const client of all.slice(1)) packages.push(await client.keyPackage());
      let conversation: OpenMlsConversation | undefined;
      let welcome: Uint8Array | undefined;
      record(samples, 'group of N in one commit', await timed(1, async () => {
        conversation = await creator.createConversation(new TextEncoder().encode(`bench-${n}-${round}`));
        welcome = (await creator.add(conversation, packages)).welcome;
      }));
      if (conversation === undefined || welcome === undefined) throw new Error('no group');
      const joined = welcome;
      record(samples, 'Welcome processing', await timed(2, async () => {
        await first.joinFromWelcome(joined);
        await last.joinFromWelcome(joined);
      }));
      const id = conversation;
      record(samples, 'message encrypt + decrypt', await timed(MESSAGES, async () => {
        for (let i = 0; i < MESSAGES; i++) await first.decrypt(id, await creator.encrypt(id, PLAINTEXT));
      }));
      const commits: Uint8Array[] = [];
      record(samples, 'update commit create', await timed(COMMITS, async () => {
        for (let i = 0; i < COMMITS; i++) commits.push((await first.update(id)).commit);
      }));
      record(samples, 'update commit process', await timed(COMMITS, async () => {
        for (const commit of commits) await last.decrypt(id, commit);
      }));
      const removals: Uint8Array[] = [];
      for (let i = 0; i < COMMITS; i++) {
        const victim = all[2 + i];
        if (victim === undefined || victim === last) break;
        removals.push((await first.remove(id, [victim.identity])).commit);
      }
      record(samples, 'remove commit process', await timed(removals.length, async () => {
        for (const commit of removals) await last.decrypt(id, commit);
      }));
    },
  };
}

function fastest(samples: readonly Sample[] | undefined): Sample {
  if (samples === undefined || samples.length === 0) throw new Error('no samples');
  return samples.reduce((a, b) => (b.wallUs < a.wallUs ? b : a));
}

const timing = (sample: Sample): Timing => ({ medianUs: sample.wallUs, operations: 1 });

export async function run(): Promise<readonly BenchResult[]> {
  const sides = [cairnSide(), await openMlsSide()] as const;
  const results: BenchResult[] = [];
  for (const n of SIZES) {
    const perSide = sides.map(() => new Map<Operation, Sample[]>());
    const loadBefore = os.loadavg();
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const index of order) {
        const side = sides[index === 0 ? 0 : 1];
        const samples = perSide[index === 0 ? 0 : 1];
        if (samples !== undefined) await side.round(n, round, samples);
      }
    }
    const load = os.loadavg();
    process.stdout.write(`N = ${n} (group of ${n + 1}), ${ROUNDS} rounds; load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${load.map((l) => l.toFixed(2)).join(' ')}\n`);
    for (const operation of OPERATIONS) {
      const [cairn, openMls] = [fastest(perSide[0]?.get(operation)), fastest(perSide[1]?.get(operation))];
      process.stdout.write(
        `  ${operation.padEnd(26)} Cairn ${(cairn.wallUs / 1000).toFixed(2).padStart(9)} ms (CPU ${(cairn.cpuUs / 1000).toFixed(2)})` +
          `   OpenMLS ${(openMls.wallUs / 1000).toFixed(2).padStart(9)} ms (CPU ${(openMls.cpuUs / 1000).toFixed(2)})` +
          `   ratio ${(cairn.wallUs / openMls.wallUs).toFixed(2)}x (CPU ${(cairn.cpuUs / openMls.cpuUs).toFixed(2)}x)\n`,
      );
      results.push({ name: `N=${n} ${operation}, ${sides[0].name}`, baselineName: sides[1].name, baseline: timing(openMls), subject: timing(cairn) });
    }
    process.stdout.write('\n');
  }
  return results;
}
