/**
 * A short beep through Web Audio (no sound file to ship). Browsers only allow
 * audio after a user gesture, so `unlockChime` runs from the click that turns
 * sound on; until then `chime` stays silent.
 */

let context: AudioContext | null = null;
let lastAt = 0;
const MIN_GAP_MS = 1500; // a busy open fires dozens of alerts a second: one beep per burst

export function unlockChime(): void {
  context ??= new AudioContext();
  void context.resume();
}

export function chime(): void {
  if (context === null || context.state !== "running") return;
  const now = Date.now();
  if (now - lastAt < MIN_GAP_MS) return;
  lastAt = now;
  const oscillator = context.createOscillator();
  const gain = context.createGain();
  oscillator.frequency.value = 880;
  gain.gain.setValueAtTime(0.15, context.currentTime);
  gain.gain.exponentialRampToValueAtTime(0.001, context.currentTime + 0.2);
  oscillator.connect(gain).connect(context.destination);
  oscillator.start();
  oscillator.stop(context.currentTime + 0.2);
}
