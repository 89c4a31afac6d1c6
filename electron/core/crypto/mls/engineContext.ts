import type { LoadedSuite } from './cipherSuites';
import type { MlsGroup } from './mlsGroup';
import type { MlsClientIdentity } from './mlsIdentity';
import type { MlsSigner } from './mlsSigner';

/** What every engine operation needs: this device's signer and the suite it signs in. */
export type EngineContext = Readonly<{ signer: MlsSigner; suite: LoadedSuite }>;

/**
 * The result of a commit this device made. `group` is the state at the next epoch: the core
 * adopts it only once the server accepted `commit` (201); on 409 it keeps the group it had,
 * processes the pending messages and tries again (ARCHITECTURE.md "Crypto"). The fields map
 * one-to-one onto `CommitBundleRequestSchema` (`protocol/api/mls.ts`): commit, welcome,
 * groupInfo, adds, removes.
 */
export type MlsCommitOutput = Readonly<{
  group: MlsGroup;
  /** MLSMessage carrying a PublicMessage (wire format 1), so the server can read its epoch. */
  commit: Uint8Array;
  /** MLSMessage carrying a Welcome (wire format 3) with the ratchet tree inside; only when clients were added. */
  welcome: Uint8Array | undefined;
  /** MLSMessage carrying the next epoch's GroupInfo (wire format 4) with external_pub and ratchet tree. */
  groupInfo: Uint8Array;
  /** The epoch the commit creates. */
  epoch: bigint;
  added: readonly MlsClientIdentity[];
  removed: readonly MlsClientIdentity[];
}>;

/** What an incoming message did. `group` is the state to store with whatever the message produced. */
export type MlsInbound =
  | Readonly<{ kind: 'application'; group: MlsGroup; plaintext: Uint8Array; sender: MlsClientIdentity; epoch: bigint }>
  | Readonly<{
      kind: 'commit';
      group: MlsGroup;
      epoch: bigint;
      committer: MlsClientIdentity | undefined;
      added: readonly MlsClientIdentity[];
      removed: readonly MlsClientIdentity[];
      /** This device was removed: the group can no longer send or read new messages. */
      selfRemoved: boolean;
    }>
  | Readonly<{ kind: 'proposal'; group: MlsGroup; epoch: bigint }>;
