/**
 * Entry point of the core in Electron's utility process (bundled to dist/electron/core.cjs).
 * Electron puts the channel to the shell on `process.parentPort`; it is read without
 * importing `electron` (the core never does) and checked before use.
 */
import { createCore } from '../core';
import { isUtilityParentPort, runUtilityHost } from './utilityHost';

const parentPort: unknown = Reflect.get(process, 'parentPort');
if (!isUtilityParentPort(parentPort)) {
  throw new Error('utilityProcess.ts must run inside an Electron utility process');
}

runUtilityHost(parentPort, {
  createCore,
  exit: (code) => process.exit(code),
  log: (message) => process.stderr.write(`${JSON.stringify({ t: new Date().toISOString(), level: 'warn', scope: 'core.host', message })}\n`),
});
