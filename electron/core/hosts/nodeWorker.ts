/**
 * Entry point that runs the core in a Node worker thread (test host, `npm start` browser
 * mode). The parent talks to it with the wire protocol over the worker's port, which carries
 * the page's requests; `shellPort`, a channel of its own, carries the file grants of the host
 * that plays the shell (shellGrants.ts), so the page cannot forge one.
 */
import { MessagePort, parentPort, workerData } from 'node:worker_threads';
import { z } from 'zod';
import { createCore } from '../core';
import type { WireFromCore } from '../ipc/wire';
import { CoreHostOptionsSchema } from './options';
import { GrantMessageSchema, recordGrant } from './shellGrants';

const NodeWorkerDataSchema = z.object({ options: CoreHostOptionsSchema, shellPort: z.instanceof(MessagePort).optional() }).strict();

if (!parentPort) throw new Error('nodeWorker.ts must run inside a worker thread');
const port = parentPort;
const { options, shellPort } = NodeWorkerDataSchema.parse(workerData);
const core = createCore(options);
core.attach({
  postMessage: (message: WireFromCore) => port.postMessage(message),
  onMessage: (listener) => {
    port.on('message', listener);
    return () => port.off('message', listener);
  },
});
shellPort?.on('message', (message: unknown) => {
  const grant = GrantMessageSchema.safeParse(message);
  if (grant.success) shellPort.postMessage(recordGrant(core, grant.data));
});
