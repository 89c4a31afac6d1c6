/**
 * Machine policy: what an organisation's IT presets or enforces on a computer through Group
 * Policy (Windows registry), an MDM profile (macOS managed preferences) or /etc/cairn/policy.json
 * (Linux). The shell reads it (electron/main/machinePolicySources.ts), this one schema validates
 * it whatever the source, and the core receives the result at start. Machine policy wins over the
 * user's choice and over the server's feature config wherever it is stricter, never where it would
 * weaken them (docs/DISTRIBUTION.md lists the keys).
 */
import { z } from 'zod';
import { MAX_INACTIVITY_TIMEOUT_SECS } from './api/featureConfigs';
import type { AppLockPolicy } from './api/featureConfigs';
import { PinListSchema } from './pins';

const HttpsUrlSchema = z
  .string()
  .max(2048)
  .regex(/^https:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, 'must be an https:// address without query or fragment');

/** A file extension as IT writes it: "pdf" or ".pdf", any case. */
const ExtensionSchema = z
  .string()
  .regex(/^\.?[A-Za-z0-9]{1,16}$/, 'a file type is letters and digits, like "pdf"')
  .transform((extension) => extension.replace(/^\./, '').toLowerCase());

export const MachinePolicySchema = z
  .object({
    /** The only server this computer may use, with its pins; the user cannot pick another. */
    server: z.object({ url: HttpsUrlSchema, pins: PinListSchema }).strict().optional(),
    appLock: z
      .object({
        /** The app lock must be on; the user cannot turn it off. */
        required: z.boolean().optional(),
        /** The longest auto-lock time the user may choose (seconds). */
        maxAutoLockSeconds: z.number().int().min(1).max(MAX_INACTIVITY_TIMEOUT_SECS).optional(),
      })
      .strict()
      .optional(),
    updates: z
      .object({
        /** False: this copy never looks for updates (IT deploys new versions itself). */
        enabled: z.boolean().optional(),
        /** An internal mirror of the release feed; what it serves is still signature-checked. */
        feedUrl: HttpsUrlSchema.optional(),
      })
      .strict()
      .optional(),
    calls: z
      .object({
        /** Calls always go through the server's relay (TURN), never peer to peer: no IP is shown to the other side. */
        alwaysRelay: z.boolean().optional(),
      })
      .strict()
      .optional(),
    files: z
      .object({
        /** File types "Open" may hand to the OS; narrows the built-in allow-list (fileOpenPolicy.ts), never widens it. */
        openAllowList: z.array(ExtensionSchema).max(256).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type MachinePolicy = z.infer<typeof MachinePolicySchema>;

/** A computer without policy. */
export const NO_MACHINE_POLICY: MachinePolicy = {};

/**
 * The app lock in force from the server's policy and the machine's: enforced if either requires
 * it, with the shorter of the limits that apply. The machine's `maxAutoLockSeconds` caps the time
 * whenever the lock is enforced (by the machine or the server); while nothing enforces the lock it
 * is only the default time, as the server's timeout is then (AppLock in electron/core).
 */
export function strictestAppLock(server: AppLockPolicy, machine: MachinePolicy): AppLockPolicy {
  const limit = machine.appLock?.maxAutoLockSeconds;
  const enforced = server.enforced || machine.appLock?.required === true;
  if (!enforced) return { enforced, inactivityTimeoutSecs: limit ?? server.inactivityTimeoutSecs };
  const limits = [...(server.enforced ? [server.inactivityTimeoutSecs] : []), ...(limit === undefined ? [] : [limit])];
  return { enforced, inactivityTimeoutSecs: limits.length === 0 ? server.inactivityTimeoutSecs : Math.min(...limits) };
}

/** Calls through the relay when the user chose it or the machine requires it; the user cannot undo the machine's choice. */
export function effectiveAlwaysRelay(userChoice: boolean, machine: MachinePolicy): boolean {
  return userChoice || machine.calls?.alwaysRelay === true;
}
