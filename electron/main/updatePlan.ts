/**
 * Whether this copy looks for updates, and where. Off in development runs, in unsigned
 * development builds (build/releaseSigning.cjs marks them), when machine policy turns updates
 * off, and when no release key is built in; on otherwise, from the release feed in the app's
 * app-update.yml or from the internal mirror machine policy names (whose files are checked against
 * the same release keys: a mirror can withhold updates, never change them).
 */
import type { MachinePolicy } from '../../protocol/machinePolicy';

export type UpdatePlan =
  | Readonly<{ kind: 'off'; reason: string }>
  | Readonly<{ kind: 'on'; feed: Readonly<{ kind: 'release' }> | Readonly<{ kind: 'mirror'; url: string }> }>;

export interface UpdateContext {
  readonly packaged: boolean;
  /** `cairnBuild` from the packaged package.json: 'release' or 'unsigned-dev' (absent in a checkout). */
  readonly build: unknown;
  readonly policy: MachinePolicy;
  readonly releaseKeys: readonly string[];
}

export function planUpdates(context: UpdateContext): UpdatePlan {
  if (!context.packaged) return { kind: 'off', reason: 'a development run does not update itself' };
  if (context.build !== 'release') return { kind: 'off', reason: 'an unsigned development build does not update itself' };
  if (context.policy.updates?.enabled === false) return { kind: 'off', reason: 'updates are turned off by the machine policy' };
  if (context.releaseKeys.length === 0) return { kind: 'off', reason: 'no release key is built into this copy, so no update could be checked' };
  const mirror = context.policy.updates?.feedUrl;
  return { kind: 'on', feed: mirror === undefined ? { kind: 'release' } : { kind: 'mirror', url: mirror } };
}
