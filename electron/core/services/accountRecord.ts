/**
 * What the encrypted store keeps about the signed-in account (`profile/account`) and a
 * registration waiting for its code (`profile/pendingRegistration`), and the status the UI is
 * shown for a signed-in record.
 */
import { z } from 'zod';
import type { AccountStatus, ServerConfig } from '../ipc/contract';
import { ServerConfigSchema } from '../ipc/contract';
import { readKv, writeKv } from '../store/kv';
import type { Db } from '../store/migration';

export const AccountRecordSchema = z.object({
  server: ServerConfigSchema,
  userId: z.string(),
  domain: z.string(),
  email: z.string(),
  name: z.string(),
  temporary: z.boolean(),
  /** This device's client id at the server. */
  clientId: z.string(),
  /** Present only for permanent devices. */
  cookie: z.string().optional(),
});
export type AccountRecord = z.infer<typeof AccountRecordSchema>;

/**
 * Kept in the encrypted store between "send me a code" and "here is the code" (up to 14 days).
 * The password is not: it stays in memory (`pendingPassword`) and is asked again if Cairn
 * restarted meanwhile (security review, issue 11 item 9).
 */
export const PendingRegistrationSchema = z.object({
  server: ServerConfigSchema,
  email: z.string(),
  name: z.string(),
  temporary: z.boolean(),
});
export type PendingRegistration = z.infer<typeof PendingRegistrationSchema>;

/** What earlier versions stored: the same with the password. */
const StoredPendingRegistrationSchema = PendingRegistrationSchema.extend({ password: z.string().optional() });

/** The waiting registration; one an earlier version stored with its password is rewritten without it. */
export function readPendingRegistration(db: Db): PendingRegistration | undefined {
  const stored = readKv(db, 'profile', 'pendingRegistration', StoredPendingRegistrationSchema);
  if (!stored) return undefined;
  const pending = PendingRegistrationSchema.parse(stored);
  if (stored.password !== undefined) writeKv(db, 'profile', 'pendingRegistration', pending);
  return pending;
}

export interface SignIn {
  readonly server: ServerConfig;
  readonly email: string;
  readonly password: string;
  readonly temporary: boolean;
  readonly verificationCode?: string;
}

export interface Registration {
  readonly server: ServerConfig;
  readonly email: string;
  readonly name: string;
  readonly password: string;
  readonly temporary: boolean;
}


export function signedIn(record: AccountRecord): AccountStatus {
  return {
    state: 'signed-in',
    server: record.server,
    user: { id: record.userId, domain: record.domain, email: record.email, name: record.name },
    temporary: record.temporary,
    clientId: record.clientId,
  };
}
