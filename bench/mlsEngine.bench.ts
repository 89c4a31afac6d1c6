/**
 * Cost of one application message through the MLS engine (padding, sender/epoch pre-checks,
 * replay digest, wire encoding; encrypt on one device, process on another) against bare
 * ts-mls createApplicationMessage + processMessage on an identical two-member group,
 * measured in the same run. Only the ratio means anything on these noisy machines.
 */
import type { ClientState } from 'ts-mls';
import { acceptAll, createApplicationMessage, createCommit, createGroup, emptyPskIndex, joinGroup, processMessage } from 'ts-mls';
import { loadSuite } from '../electron/core/crypto/mls/cipherSuites';
import { newKeyPackage } from '../electron/core/crypto/mls/keyPackages';
import { createSigner } from '../electron/core/crypto/mls/mlsSigner';
import { joinWelcome, keyPackageOf, must, newDevice } from '../test/fixtures/mls/mlsTestDevices';
import type { BenchResult, Timing } from './harness';
import { measure } from './harness';

const ROUNDS = 600;
const PLAINTEXT = new TextEncoder().encode('a typical chat line of about sixty bytes, with an emoji 🙂');

export async function run(): Promise<BenchResult> {
  const suite = must(await loadSuite(1));

  // Bare ts-mls, same suite and group shape.
  const identity = (n: number) => ({ userId: `00000000-0000-4000-8000-00000000000${n}`, clientId: `000000000000000${n}`, domain: 'bench.test' });
  const [sa, sb] = [await createSigner(identity(1), suite), await createSigner(identity(2), suite)];
  const [ka, kb] = [await newKeyPackage(sa, suite), await newKeyPackage(sb, suite)];
  let bareA: ClientState = await createGroup(new TextEncoder().encode('bench-bare'), ka.publicPackage, ka.privatePackage, [], suite.impl);
  const commit = await createCommit({ state: bareA, cipherSuite: suite.impl }, { extraProposals: [{ proposalType: 'add', add: { keyPackage: kb.publicPackage } }], ratchetTreeExtension: true });
  bareA = commit.newState;
  if (commit.welcome === undefined) throw new Error('no welcome');
  let bareB = await joinGroup(commit.welcome, kb.publicPackage, kb.privatePackage, emptyPskIndex, suite.impl);

  // The engine.
  const [alice, bob] = [await newDevice(), await newDevice()];
  const added = must(await alice.engine.addMembers(must(await alice.engine.createGroup(new TextEncoder().encode('bench-engine'))), [await keyPackageOf(bob)]));
  let groupA = added.group;
  let groupB = await joinWelcome(bob, added.welcome);

  const bare = async () => {
    const sent = await createApplicationMessage(bareA, PLAINTEXT, suite.impl);
    bareA = sent.newState;
    const got = await processMessage({ wireformat: 'mls_private_message', privateMessage: sent.privateMessage }, bareB, emptyPskIndex, acceptAll, suite.impl);
    bareB = got.newState;
  };
  const engine = async () => {
    const sent = must(await alice.engine.encrypt(groupA, PLAINTEXT));
    groupA = sent.group;
    const got = must(await bob.engine.processMessage(groupB, sent.message));
    groupB = got.group;
  };
  // Alternate three times and keep the faster run of each, so warm-up and CPU boost favour neither.
  const baselines: Timing[] = [];
  const subjects: Timing[] = [];
  for (let i = 0; i < 3; i++) {
    baselines.push(await measure(ROUNDS / 3, bare));
    subjects.push(await measure(ROUNDS / 3, engine));
  }
  const fastest = (timings: Timing[]): Timing => timings.reduce((a, b) => (b.medianUs < a.medianUs ? b : a));
  const baseline = fastest(baselines);
  const subject = fastest(subjects);
  return { name: 'MLS message encrypt + process through MlsEngine', baselineName: 'bare ts-mls 1.6.4', baseline, subject };
}
