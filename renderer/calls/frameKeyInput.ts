/**
 * A frame key as the worker takes it, and the conversion from the core's form (1:1
 * `call.frameKey` or conference `conference.frameKey`): `baseKey` arrives as unpadded base64url
 * of 32 bytes (the contract's schemas). No DOM types here, so Node tests can use it.
 */

export interface FrameKeyInput {
  /** The MLS epoch the key belongs to; its low byte is part of every KID. */
  readonly epoch: number;
  /** 32 bytes: MLS-Exporter("SFrame 1.0 Base Key", call id, 32), from the core over IPC. */
  readonly baseKey: ArrayBuffer;
  /** This device's leaf index in the call's group (names its own sender key). */
  readonly selfLeaf: number;
}

export function frameKeyInput(key: Readonly<{ epoch: number; baseKey: string; selfLeaf: number }>): FrameKeyInput {
  const base64 = key.baseKey.replaceAll('-', '+').replaceAll('_', '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return { epoch: key.epoch, baseKey: bytes.buffer, selfLeaf: key.selfLeaf };
}
