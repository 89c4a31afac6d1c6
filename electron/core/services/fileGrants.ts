/**
 * File grants: the only way a path reaches the core from outside its own process. The page may
 * be compromised (a script injected into the renderer), so it never names a path: the shell
 * shows the OS dialog (or receives a drop), tells the core "grant <id> lets whoever holds it
 * read (or write) this path", and gives the page the id alone. `files.send`, `files.download`
 * and the backup requests take that id and nothing else.
 *
 * A grant is bound to its access (a picked file cannot be written, a save location cannot be
 * read), expires, and is spent by the request that writes or sends it; its id carries 256
 * random bits, so it cannot be guessed. The CLI, which is the user, grants the paths on its
 * own command line through `Core.grantFile` directly; the IPC contract has no such request.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { FileGrantSchema } from '../ipc/contract';
import { CoreError } from '../ipc/errors';

export type GrantAccess = 'read' | 'write';

/** Long enough to pick a file and type a backup password; short enough that a leaked id goes stale. */
export const GRANT_LIFETIME_MS = 15 * 60 * 1000;
/** Outstanding grants kept; the oldest go first (a page cannot make the core hoard paths). */
const MAX_GRANTS = 1000;
const MAX_PATH = 4096;

interface Grant {
  readonly access: GrantAccess;
  readonly path: string;
  readonly expiresAt: number;
}

/** A new unguessable grant id. */
export function newGrantId(): string {
  return randomBytes(32).toString('base64url');
}

export class FileGrants {
  private readonly grants = new Map<string, Grant>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Records a grant for `file` (absolute) under `id` (minted by the shell, or here when absent)
   * and returns the id. Throws on a malformed id or path: only the shell and the CLI call this.
   */
  add(access: GrantAccess, file: string, id: string = newGrantId()): string {
    if (!FileGrantSchema.safeParse(id).success) throw new Error('a file grant id must be 32 random bytes in base64url');
    if (file.length === 0 || file.length > MAX_PATH || file.includes('\u0000') || !path.isAbsolute(file)) {
      throw new Error('a file grant needs an absolute path');
    }
    this.prune();
    this.grants.set(id, { access, path: path.normalize(file), expiresAt: this.now() + GRANT_LIFETIME_MS });
    while (this.grants.size > MAX_GRANTS) {
      const oldest = this.grants.keys().next().value;
      if (oldest === undefined) break;
      this.grants.delete(oldest);
    }
    return id;
  }

  /**
   * The path behind grant `id` for `access`. `spend` removes it, so the id works once (sending,
   * saving, exporting); without it the grant stays until it expires (inspecting a backup, then
   * importing it, perhaps after a mistyped password). An unknown, spent, expired or
   * wrong-access grant is refused the same way, so a page learns nothing by probing.
   */
  use(id: string, access: GrantAccess, options: Readonly<{ spend: boolean }>): string {
    const grant = this.grants.get(id);
    if (!grant || grant.access !== access) throw invalidGrant();
    if (grant.expiresAt <= this.now()) {
      this.grants.delete(id);
      throw new CoreError('file-grant-expired');
    }
    if (options.spend) this.grants.delete(id);
    return grant.path;
  }

  /** Forgets every grant (sign-out, lock): the page must ask the user again. */
  clear(): void {
    this.grants.clear();
  }

  private prune(): void {
    const now = this.now();
    for (const [id, grant] of this.grants) if (grant.expiresAt <= now) this.grants.delete(id);
  }
}

function invalidGrant(): CoreError {
  return new CoreError('file-grant-invalid');
}
