import type { MlsChangeReview } from '../../crypto/mls/incomingChange';
import type { MlsClientIdentity } from '../../crypto/mls/mlsIdentity';
import { sameClient } from '../../crypto/mls/mlsIdentity';

/**
 * What a call group's members accept from each other's commits, checked before a commit is
 * adopted (the server checks the same, this device does not rely on it):
 * - a device joins only by external commit, and only a device of a member of the conversation
 *   (`mayJoin`, the conversation's members as this device stores them);
 * - nobody adds others (no Welcome: a joiner must never get a key of the time before it joined);
 * - any device may remove any other (the key generator removes whoever left), and a member's
 *   UpdatePath must keep its own identity.
 */
export function callGroupReview(mayJoin: (device: MlsClientIdentity) => boolean): MlsChangeReview {
  return async (change) => {
    if (change.unsupported.length > 0) return refuse(`The call group change uses proposals Cairn does not send (${change.unsupported.join(', ')}).`);
    if (change.adds.length > 0) return refuse('Devices join a call by external commit only.');
    const { committer } = change;
    if (committer.kind === 'external') {
      if (committer.identity === undefined || !mayJoin(committer.identity)) return refuse('A device that is not in the conversation tried to join its call.');
    }
    for (const update of change.updates) {
      if (update.before !== undefined && (update.after === undefined || !sameClient(update.before, update.after))) {
        return refuse('A call group leaf was given to another device.');
      }
    }
    return { ok: true };
  };
}

function refuse(message: string): Readonly<{ ok: false; code: string; message: string }> {
  return { ok: false, code: 'call-group-change-refused', message };
}
