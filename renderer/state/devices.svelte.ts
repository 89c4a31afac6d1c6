/** The account's devices, and notices of devices added since the app started. */
import type { Device } from '../../electron/core/ipc/contract';
import type { ErrorInfo } from '../../protocol/result';
import { onEvent, request } from '../api';

export interface DeviceNotice {
  readonly id: string;
  readonly label: string | null;
  readonly model: string | null;
  readonly at: string;
}

class DevicesState {
  list = $state<readonly Device[]>([]);
  notices = $state<readonly DeviceNotice[]>([]);
  busy = $state(false);
  error = $state<ErrorInfo | undefined>(undefined);

  async load(): Promise<void> {
    const result = await request('account.devices', {});
    if (result.ok) this.list = result.value.devices;
    else this.error = result.error;
  }

  follow(): () => void {
    const offAdded = onEvent('device.added', (device) => {
      this.notices = [...this.notices, { id: device.id, label: device.label, model: device.model, at: device.at }];
      if (this.list.length > 0) void this.load();
    });
    const offRemoved = onEvent('device.removed', ({ id }) => {
      this.list = this.list.filter((d) => d.id !== id);
    });
    return () => {
      offAdded();
      offRemoved();
    };
  }

  dismiss(id: string): void {
    this.notices = this.notices.filter((n) => n.id !== id);
  }

  async remove(id: string, password: string): Promise<boolean> {
    this.busy = true;
    this.error = undefined;
    try {
      const result = await request('account.removeDevice', { id, password });
      if (result.ok) this.list = result.value.devices;
      else this.error = result.error;
      return result.ok;
    } finally {
      this.busy = false;
    }
  }

  reset(): void {
    this.list = [];
    this.notices = [];
    this.error = undefined;
  }
}

export const devices = new DevicesState();
