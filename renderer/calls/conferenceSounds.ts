/**
 * The short join and leave sounds of a conference: two WebAudio tones each (rising when someone
 * joins, falling when someone leaves), made here rather than shipped as files. Quiet and short,
 * so they do not cover speech.
 */
const TONE_MS = 110;
const GAIN = 0.08;
const JOIN_HZ = [523.25, 783.99] as const;
const LEAVE_HZ = [783.99, 523.25] as const;

let context: AudioContext | undefined;

export function playConferenceSound(kind: 'join' | 'leave'): void {
  if (typeof AudioContext !== 'function') return;
  context ??= new AudioContext();
  const start = context.currentTime + 0.01;
  (kind === 'join' ? JOIN_HZ : LEAVE_HZ).forEach((hz, i) => {
    if (context === undefined) return;
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    const at = start + (i * TONE_MS) / 1000;
    oscillator.frequency.value = hz;
    gain.gain.setValueAtTime(0, at);
    gain.gain.linearRampToValueAtTime(GAIN, at + 0.01);
    gain.gain.linearRampToValueAtTime(0, at + TONE_MS / 1000);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(at);
    oscillator.stop(at + TONE_MS / 1000);
  });
}
