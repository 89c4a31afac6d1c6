/**
 * The verification state of a conversation (seed 002, "Conversation and device verification
 * states"), as a pure function of the devices in its MLS group, which of them this user has
 * verified, and the state the conversation had before.
 *
 * - `verified`: every device in the group other than this one is verified (this device trusts
 *   itself), and there is at least one such device.
 * - `degraded`: the conversation was verified (or already degraded) and now holds a device that
 *   is not verified: a new device of a member, a new member, or a device whose key changed or
 *   that the user unmarked. Sending stays blocked until the user verifies those devices or
 *   accepts sending anyway (which makes it `non-verified`).
 * - `non-verified`: anything else. Conversations start here.
 *
 * Devices are the leaves of the group, not the server's device list: they are who can read what
 * is sent. A member the server lists but whose devices are not in the group yet reads nothing,
 * so they change nothing until the commit that adds their devices arrives.
 */
export type VerificationState = 'non-verified' | 'verified' | 'degraded';

export type GroupDevice = Readonly<{
  /** `user-uuid@domain` */
  user: string;
  clientId: string;
  /** The MLS signature public key of the leaf, plain hex. */
  signatureKey: string;
}>;

export type VerificationInput = Readonly<{
  devices: readonly GroupDevice[];
  /** This device and its own signature key: trusted without verification, but only with that key. */
  self: GroupDevice;
  /** Whether the user verified this device with exactly this key. */
  isVerified: (device: GroupDevice) => boolean;
  previous: VerificationState;
}>;

export type VerificationOutcome = Readonly<{
  state: VerificationState;
  /** The devices that keep the conversation from being verified. */
  unverified: readonly GroupDevice[];
}>;

export function sameDevice(a: GroupDevice, b: GroupDevice): boolean {
  return a.user === b.user && a.clientId === b.clientId && a.signatureKey === b.signatureKey;
}

export function conversationVerification(input: VerificationInput): VerificationOutcome {
  const others = input.devices.filter((device) => !sameDevice(device, input.self));
  const unverified = others.filter((device) => !input.isVerified(device));
  if (others.length > 0 && unverified.length === 0) return { state: 'verified', unverified };
  if (unverified.length > 0 && input.previous !== 'non-verified') return { state: 'degraded', unverified };
  return { state: 'non-verified', unverified };
}
