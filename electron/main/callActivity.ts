/**
 * What the shell knows about calls: only the core's `call.activity` (electron/core/ipc/callSchemas.ts),
 * forwarded by the utility host as `call-state`. The shell never learns who calls or any SDP.
 */
export type CallActivity = Readonly<{
  /** A call is prepared, rings or runs on this device. */
  active: boolean;
  /** A call rings on this device and has not been answered here. */
  ringing: boolean;
}>;

/** No call: the state at start and after the core exited (its calls died with it). */
export const NO_CALL: CallActivity = { active: false, ringing: false };

/**
 * A call this device is in, not one that only rings here: `active` includes ringing (the callee
 * opens camera and microphone to build its answer before Accept completes), so screen sharing,
 * which only makes sense once the user chose to be in the call, waits until ringing stopped.
 */
export function inCall(activity: CallActivity): boolean {
  return activity.active && !activity.ringing;
}
