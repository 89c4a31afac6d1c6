import { requests } from '../../electron/core/ipc/contract';
import type { Handlers } from '../../electron/core/ipc/router';

/**
 * Router handlers for unit tests: every channel of the contract fails loudly unless the test
 * supplies its own handler, so tests keep compiling as the contract grows.
 */
export function testHandlers(overrides: Partial<Handlers>): Handlers {
  const unused = Object.fromEntries(
    Object.keys(requests).map((channel) => [
      channel,
      () => {
        throw new Error(`${channel} is not used in this test`);
      },
    ]),
  );
  // Every key of the contract is present above, so the object is a complete handler map.
  return { ...unused, ...overrides } as Handlers;
}
