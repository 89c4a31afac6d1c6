/** The connection to the server as the banner shows it. */
import type { ConnectionState } from '../../electron/core/ipc/contract';
import { onEvent, request } from '../api';

class ConnectionView {
  state = $state<ConnectionState['state']>('connecting');

  async load(): Promise<void> {
    const result = await request('connection.status', {});
    if (result.ok) this.state = result.value.state;
  }

  follow(): () => void {
    return onEvent('connection.state', (payload) => {
      this.state = payload.state;
    });
  }
}

export const connection = new ConnectionView();
