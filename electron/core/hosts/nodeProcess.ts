/**
 * Entry point that runs the core as a Node child process (test host, `npm start` browser mode),
 * as Electron runs it in a utility process. The parent forks it with an IPC channel
 * ('advanced' serialization, so bytes travel as they do between threads) and waits for
 * `{kind:'listening'}` (a message sent before the child listens would be dropped); then it sends
 * `{kind:'start', options}`, and after it the page's wire requests as `{kind:'page', message}`
 * and the file grants of the host that plays the shell as `{kind:'grant', …}` (shellGrants.ts),
 * answered with `{kind:'granted', id, ok}`. The host wraps every page message, so a page cannot
 * pass for the shell and forge a grant. The core answers requests with wire messages.
 *
 * A process of its own rather than a worker thread because of the app lock: a core that locked
 * sends `{kind:'locked'}` and exits with LOCKED_EXIT_CODE, and the parent starts a fresh core
 * that opens locked. Ending a worker thread would free none of the process's memory, so the
 * secrets it held would stay readable in the host (docs/SECURITY.md, section 5).
 */
import { z } from 'zod';
import type { Core } from '../core';
import { createCore } from '../core';
import type { WireFromCore } from '../ipc/wire';
import { exitWhenLocked } from './lockedExit';
import { CoreHostOptionsSchema } from './options';
import type { GrantedMessage } from './shellGrants';
import { GrantMessageSchema, recordGrant } from './shellGrants';

const StartSchema = z.object({ kind: z.literal('start'), options: CoreHostOptionsSchema }).strict();
const PageMessageSchema = z.object({ kind: z.literal('page'), message: z.unknown() }).strict();

const send = process.send?.bind(process);
if (!send) throw new Error('nodeProcess.ts must run as a child process with an IPC channel');

/** Posts to the parent; a closed channel (the parent is gone) is not this process's problem. */
function post(message: WireFromCore | GrantedMessage | Readonly<{ kind: 'locked' | 'listening' }>, sent?: () => void): void {
  try {
    send?.(message, undefined, undefined, () => sent?.());
  } catch {
    sent?.();
  }
}

let core: Core | undefined;
const listeners = new Set<(message: unknown) => void>();

process.on('message', (message: unknown) => {
  if (core) {
    const page = PageMessageSchema.safeParse(message);
    if (page.success) {
      for (const listener of listeners) listener(page.data.message);
      return;
    }
    const grant = GrantMessageSchema.safeParse(message);
    if (grant.success) post(recordGrant(core, grant.data));
    else process.stderr.write('core process: dropped a message that is neither a page message nor a grant\n');
    return;
  }
  const start = StartSchema.safeParse(message);
  if (!start.success) {
    process.stderr.write('core process: the first message must be a valid start message\n');
    process.exit(1);
  }
  const onLocked = exitWhenLocked({
    close: () => core?.close() ?? Promise.resolve(),
    announce: () => new Promise<void>((resolve) => post({ kind: 'locked' }, resolve)),
    exit: (code) => process.exit(code),
  });
  core = createCore({ ...start.data.options, onLocked });
  core.attach({
    postMessage: (wire) => post(wire),
    onMessage: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  });
});

post({ kind: 'listening' });

// The parent went away (test finished, dev host closed): close the database and end.
process.on('disconnect', () => {
  void (core?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
