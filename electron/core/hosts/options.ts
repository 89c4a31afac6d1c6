import { z } from 'zod';
import { ServerConfigSchema } from '../ipc/contract';

/** Options a host process hands to a core it starts (worker data, utility-process argv). */
export const CoreHostOptionsSchema = z
  .object({
    dataDir: z.string().min(1),
    appVersion: z.string().min(1),
    defaultServer: ServerConfigSchema.nullable(),
    runtime: z.string().optional(),
  })
  .strict();
export type CoreHostOptions = z.infer<typeof CoreHostOptionsSchema>;
