/**
 * The microphone, camera and speaker the user chose for calls: the devices the browser lists,
 * whether the device picker is open, and saving a choice to the preferences (the core keeps it,
 * so it survives a reload and a restart). The call session reads the choice from the preferences
 * (`callMediaConstraints` in lib/mediaDevices.ts).
 *
 * Device names: Chromium names devices only once the page may use media. Outside a call the
 * Electron shell refuses that (electron/main/permissionPolicy.ts), so the list then holds "System
 * default" only, and the picker says that names appear during a call. To get names, the picker
 * asks once for the inputs that exist and stops the tracks at once; the shell answers no outside
 * a call, and nothing is captured then.
 */
import type { ListedDevice, DeviceKind } from '../lib/mediaDevices';
import { DEVICE_PREFERENCE, inputsToUnlock, namesHidden } from '../lib/mediaDevices';
import { preferences } from './preferences.svelte';

class CallDevicesState {
  /** The picker dialog is open (from the call screen). */
  open = $state(false);
  devices = $state<readonly ListedDevice[]>([]);
  /** The browser listed devices without names (no media permission now). */
  hidden = $state(false);
  private listening = 0;
  private readonly onChange = (): void => void this.refresh(false);

  /** Opens the picker (`CallActions.chooseDevices`). */
  show(): void {
    this.open = true;
  }

  close(): void {
    this.open = false;
  }

  /** Lists the devices while a picker or the settings section shows them; returns the stop function. */
  watch(): () => void {
    this.listening += 1;
    if (this.listening === 1) navigator.mediaDevices?.addEventListener('devicechange', this.onChange);
    void this.refresh(true);
    return () => {
      this.listening -= 1;
      if (this.listening === 0) navigator.mediaDevices?.removeEventListener('devicechange', this.onChange);
    };
  }

  /** Saves one choice (null: the system default). */
  choose(kind: DeviceKind, id: string | null): Promise<boolean> {
    return preferences.set({ [DEVICE_PREFERENCE[kind]]: id });
  }

  private async refresh(unlock: boolean): Promise<void> {
    const media = navigator.mediaDevices;
    if (!media) return;
    let listed = await list(media);
    if (unlock && namesHidden(listed)) {
      const ask = inputsToUnlock(listed);
      try {
        const stream = await media.getUserMedia(ask);
        for (const track of stream.getTracks()) track.stop();
        listed = await list(media);
      } catch {
        // Refused (outside a call in the shell) or no device: the list stays unnamed.
      }
    }
    this.devices = listed;
    this.hidden = namesHidden(listed);
  }
}

async function list(media: MediaDevices): Promise<ListedDevice[]> {
  const devices = await media.enumerateDevices();
  return devices.map((device) => ({ kind: device.kind, deviceId: device.deviceId, label: device.label }));
}

export const callDevices = new CallDevicesState();
