/**
 * The microphone, camera and speaker choice, decided without a browser: which devices to offer
 * from `enumerateDevices`, what is selected, and the constraints a call opens its media with.
 * The choice is remembered in the preferences `calls.microphone`, `calls.camera` and
 * `calls.speaker` (a device id, or null for the system default: issue 13, "speaker selection
 * (remembered)").
 */

export type DeviceKind = 'microphone' | 'camera' | 'speaker';
export const DEVICE_KINDS: readonly DeviceKind[] = ['microphone', 'camera', 'speaker'];

/** Where each choice is remembered. */
export const DEVICE_PREFERENCE = {
  microphone: 'calls.microphone',
  camera: 'calls.camera',
  speaker: 'calls.speaker',
} as const satisfies Record<DeviceKind, string>;

export type DeviceChoices = Readonly<Record<DeviceKind, string | null>>;

/** The fields of a MediaDeviceInfo this module reads. */
export interface ListedDevice {
  readonly kind: string;
  readonly deviceId: string;
  readonly label: string;
}

export type DeviceOption = Readonly<{
  /** null: the system default. */
  id: string | null;
  /** A name from the system, or null when the browser hides it (the caller numbers it). */
  label: string | null;
  /**
   * The remembered device is not in the list: `absent` when the browser listed this kind's devices
   * and it is not among them (kept, so plugging it back in uses it again); `unlisted` when the
   * browser hides the devices until media permission, so whether it is connected is unknown.
   */
  missing?: 'absent' | 'unlisted';
}>;

export type DeviceList = Readonly<{ options: readonly DeviceOption[]; selected: string | null }>;

const KIND_OF: Readonly<Record<string, DeviceKind>> = { audioinput: 'microphone', videoinput: 'camera', audiooutput: 'speaker' };

/**
 * Chromium's pseudo-devices `default` and `communications` stand for the system's choice, which
 * the "System default" option already is; a device without an id is one the browser hides
 * until media permission (the W3C spec's "one device per kind" before permission).
 */
function isRealDevice(device: ListedDevice): boolean {
  return device.deviceId !== '' && device.deviceId !== 'default' && device.deviceId !== 'communications';
}

/** The options for one kind: the system default first, then each device once, then a remembered absent one. */
export function deviceList(devices: readonly ListedDevice[], kind: DeviceKind, chosen: string | null): DeviceList {
  const seen = new Set<string>();
  const options: DeviceOption[] = [{ id: null, label: null }];
  let hiddenIds = false;
  for (const device of devices) {
    if (KIND_OF[device.kind] !== kind) continue;
    if (device.deviceId === '') hiddenIds = true;
    if (!isRealDevice(device) || seen.has(device.deviceId)) continue;
    seen.add(device.deviceId);
    options.push({ id: device.deviceId, label: device.label.trim() === '' ? null : device.label.trim() });
  }
  if (chosen !== null && !seen.has(chosen)) options.push({ id: chosen, label: null, missing: hiddenIds ? 'unlisted' : 'absent' });
  return { options, selected: chosen };
}

/** True when the browser listed devices without their names: the picker says when names appear. */
export function namesHidden(devices: readonly ListedDevice[]): boolean {
  return devices.some((device) => device.kind in KIND_OF && device.label === '');
}

/** The kinds of input to ask for once, so that `enumerateDevices` names them (only kinds that exist). */
export function inputsToUnlock(devices: readonly ListedDevice[]): Readonly<{ audio: boolean; video: boolean }> {
  return {
    audio: devices.some((device) => device.kind === 'audioinput'),
    video: devices.some((device) => device.kind === 'videoinput'),
  };
}

/** A `MediaStreamConstraints` (spelled out here: this module is also type-checked without the DOM). */
export type TrackChoice = true | Readonly<{ deviceId: Readonly<{ ideal: string }> }>;
export type CallConstraints = Readonly<{ audio: TrackChoice; video: TrackChoice | false }>;

/**
 * What a call passes to `getUserMedia`: the chosen devices as `ideal`, so a call still starts
 * with the system's device when the chosen one was unplugged (`exact` would fail the call).
 */
export function callMediaConstraints(choices: DeviceChoices, video: boolean): CallConstraints {
  const pick = (id: string | null): TrackChoice => (id === null ? true : { deviceId: { ideal: id } });
  return { audio: pick(choices.microphone), video: video ? pick(choices.camera) : false };
}
