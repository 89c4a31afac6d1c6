/**
 * Entry point that runs the core in a Node worker thread, for the IPC benchmark
 * (bench/ipcRoundTrip.bench.ts) only. The parent talks to it with the wire protocol over the
 * worker's port. It does not replace itself when the app locks (a worker's end frees none of
 * the process's memory): the test and dev hosts use nodeProcess.ts instead.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createCore } from '../core';
import type { WireFromCore } from '../ipc/wire';
import { CoreHostOptionsSchema } from './options';

if (!parentPort) throw new Error('nodeWorker.ts must run inside a worker thread');
const port = parentPort;
const options = CoreHostOptionsSchema.parse(workerData);
const core = createCore(options);
core.attach({
  postMessage: (message: WireFromCore) => port.postMessage(message),
  onMessage: (listener) => {
    port.on('message', listener);
    return () => port.off('message', listener);
  },
});
