/**
 * Electron glue for the core supervisor: the core runs in a utility process (off the main
 * thread and out of the main process), and each renderer connection is a MessageChannelMain
 * whose ends go to the core and to the page, so IPC traffic bypasses main's JavaScript.
 */
import type { MessagePortMain } from 'electron';
import { MessageChannelMain, utilityProcess } from 'electron';
import type { CoreLauncher } from './coreSupervisor';

export function utilityProcessLauncher(modulePath: string): CoreLauncher<MessagePortMain> {
  return {
    fork() {
      const child = utilityProcess.fork(modulePath, [], { serviceName: 'Cairn core', stdio: 'inherit' });
      return {
        postMessage: (message, transfer) => child.postMessage(message, transfer),
        onMessage: (listener) => {
          child.on('message', (message: unknown) => listener(message));
        },
        onExit: (listener) => {
          child.on('exit', listener);
        },
        kill: () => {
          child.kill();
        },
      };
    },
    createChannel() {
      const { port1, port2 } = new MessageChannelMain();
      return { core: port1, renderer: port2 };
    },
  };
}
