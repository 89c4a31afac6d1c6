import { z } from 'zod';
import { MachinePolicySchema } from '../../../protocol/machinePolicy';
import { ServerConfigSchema } from '../ipc/contract';

/** Options a host process hands to a core it starts (worker data, utility-process argv). */
export const CoreHostOptionsSchema = z
  .object({
    dataDir: z.string().min(1),
    appVersion: z.string().min(1),
    defaultServer: ServerConfigSchema.nullable(),
    /** The server built into a packaged copy (resources/server.json); absent or null otherwise. */
    builtInServer: ServerConfigSchema.nullable().optional(),
    /** What IT set on this computer (Group Policy, MDM, /etc/cairn/policy.json), as the shell read it. */
    machinePolicy: MachinePolicySchema.optional(),
    runtime: z.string().optional(),
    /** False keeps the key out of the OS keychain altogether (admin policy; tests of that path). */
    useKeychain: z.boolean().optional(),
    /** Where the database key is kept; absent means the OS keychain (the app's default). */
    store: z
      .object({
        prefer: z.enum(['keychain', 'passphrase']).optional(),
        passphrase: z.string().min(8).optional(),
        kdf: z.object({ opsLimit: z.number().int(), memLimitBytes: z.number().int() }).strict().optional(),
      })
      .strict()
      .optional(),
    /** Shorter call ring, connect and reservation times and conference key periods, for tests (CoreOptions.callTimings, session/calls/callOptions.ts). */
    callTimings: z
      .object({
        ringMs: z.number().int().min(100).max(600_000).optional(),
        connectMs: z.number().int().min(100).max(600_000).optional(),
        reservationMs: z.number().int().min(100).max(600_000).optional(),
        conferenceRatchetMs: z.number().int().min(1_000).max(600_000).optional(),
        conferenceSilenceMs: z.number().int().min(1_000).max(600_000).optional(),
      })
      .strict()
      .optional(),
    /**
     * Test seams (session/calls/callOptions.ts): only the test hosts set them; the Electron host
     * refuses to start a core with any (utilityHost.ts), so a packaged app never runs one.
     */
    testSeams: z.object({ alterReceivedCallFingerprints: z.boolean().optional() }).strict().optional(),
  })
  .strict();
export type CoreHostOptions = z.infer<typeof CoreHostOptionsSchema>;
