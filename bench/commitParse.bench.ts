/**
 * What reading and authorizing a commit costs the server in a group of 100 devices (security
 * review items 1 and 2): `readCommit` (ts-mls decoding plus the credential checks) and
 * `planCommit` (leaf map, declared-vs-real comparison, placement) against ts-mls decoding the
 * same bytes alone, for a self-update (the largest commit: an UpdatePath with HPKE ciphertexts
 * for every other member), an add and a remove. Both are pure CPU and run outside the database.
 */
import type { ClientState, KeyPackage, MLSMessage } from 'ts-mls';
import { createCommit, createGroup, decodeMlsMessage, defaultCapabilities, defaultLifetime, encodeMlsMessage, generateKeyPackage } from 'ts-mls';
import { loadSuite } from '../electron/core/crypto/mls/cipherSuites';
import { planCommit } from '../server/conversations/mlsPlans';
import { readCommit } from '../server/mls/commit';
import type { ConversationRecord } from '../server/store/records';
import { must } from '../test/fixtures/mls/mlsTestDevices';
import type { BenchResult } from './harness';
import { measure } from './harness';

const GROUP = 100;
const ROUNDS = 300;
const DOMAIN = 'bench.test';

const userId = (n: number) => `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`;
const clientId = (n: number) => n.toString(16).padStart(16, '0');

export async function run(): Promise<readonly BenchResult[]> {
  const suite = must(await loadSuite(1));
  const keyPackage = async (n: number): Promise<Readonly<{ publicPackage: KeyPackage; privatePackage: Parameters<typeof createGroup>[2] }>> =>
    generateKeyPackage({ credentialType: 'basic', identity: new TextEncoder().encode(`${userId(n)}:${n.toString(16)}@${DOMAIN}`) }, defaultCapabilities(), defaultLifetime, [], suite.impl);
  const groupId = new TextEncoder().encode('bench-commit-parse-group-id-0032');
  const creator = await keyPackage(0);
  let state: ClientState = await createGroup(groupId, creator.publicPackage, creator.privatePackage, [], suite.impl);
  const others = await Promise.all(Array.from({ length: GROUP - 1 }, (_, i) => keyPackage(i + 1)));
  state = (
    await createCommit({ state, cipherSuite: suite.impl }, { extraProposals: others.map((k) => ({ proposalType: 'add' as const, add: { keyPackage: k.publicPackage } })) })
  ).newState;
  // Merge the unmerged leaves, so that the self-update below encrypts to every member.
  state = (await createCommit({ state, cipherSuite: suite.impl })).newState;

  const conversation: ConversationRecord = {
    id: 'bench',
    type: 'group',
    name: null,
    creator: userId(0),
    groupId: Buffer.from(groupId),
    epoch: Number(state.groupContext.epoch),
    cipherSuite: 1,
    messageTimer: null,
    groupInfo: null,
    createdAt: 0,
    members: Array.from({ length: GROUP + 1 }, (_, n) => ({ userId: userId(n), role: n === 0 ? ('admin' as const) : ('member' as const) })),
    clients: Array.from({ length: GROUP }, (_, n) => ({ userId: userId(n), clientId: clientId(n), registered: true, leafIndex: n })),
  };
  const bytesOf = (message: MLSMessage) => encodeMlsMessage(message);
  const newcomer = await keyPackage(GROUP);
  const cases = [
    { name: 'self-update', commit: bytesOf((await createCommit({ state, cipherSuite: suite.impl }, { wireAsPublicMessage: true })).commit), adds: [], removes: [] },
    {
      name: 'add one device',
      commit: bytesOf((await createCommit({ state, cipherSuite: suite.impl }, { wireAsPublicMessage: true, extraProposals: [{ proposalType: 'add', add: { keyPackage: newcomer.publicPackage } }] })).commit),
      adds: [{ userId: userId(GROUP), clientId: clientId(GROUP) }],
      removes: [],
    },
    {
      name: 'remove one device',
      commit: bytesOf((await createCommit({ state, cipherSuite: suite.impl }, { wireAsPublicMessage: true, extraProposals: [{ proposalType: 'remove', remove: { removed: 50 } }] })).commit),
      adds: [],
      removes: [{ userId: userId(50), clientId: clientId(50) }],
    },
  ];
  // The newcomer's key as its own upload would have registered it (the route loads these per commit).
  const signatureKeys = [{ userId: userId(GROUP), clientId: clientId(GROUP), cipherSuite: 1, signatureKey: Buffer.from(newcomer.publicPackage.leafNode.signaturePublicKey) }];
  const results: BenchResult[] = [];
  for (const entry of cases) {
    const authorize = async () => {
      const content = must(readCommit(entry.commit));
      const plan = planCommit(conversation, {
        sender: { userId: userId(0), clientId: clientId(0) },
        content,
        commit: '',
        welcome: entry.adds.length > 0 ? '' : undefined,
        groupInfo: Buffer.alloc(0),
        adds: entry.adds,
        removes: entry.removes,
        domain: DOMAIN,
        treeLeaves: () => 'no-group-info',
        signatureKeys,
      });
      if (!plan.ok) throw new Error(`${entry.name}: ${plan.failure.code} ${plan.failure.message ?? ''}`);
    };
    const decodeOnly = async () => {
      if (decodeMlsMessage(entry.commit, 0) === undefined) throw new Error('undecodable');
    };
    // Alternating rounds, keeping each side's fastest median, so that load from other work on
    // the machine (which is shared) hits both alike rather than whichever ran during a burst.
    let baseline = await measure(ROUNDS, decodeOnly);
    let subject = await measure(ROUNDS, authorize);
    for (let round = 1; round < 4; round++) {
      const b = await measure(ROUNDS, decodeOnly);
      const s = await measure(ROUNDS, authorize);
      if (b.medianUs < baseline.medianUs) baseline = b;
      if (s.medianUs < subject.medianUs) subject = s;
    }
    results.push({ name: `server reads and authorizes a commit, group of ${GROUP}: ${entry.name} (${entry.commit.length} bytes)`, baselineName: 'ts-mls decodeMlsMessage alone', baseline, subject });
  }
  return results;
}
