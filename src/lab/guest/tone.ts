/**
 * The test sound in the guest image: a sine tone as raw PCM in /dev/dsp's default format (8 kHz, unsigned
 * 8-bit, mono), so that `cat /tone-440.u8 > /dev/dsp` plays a known tone. Generated at build time.
 */

/** The tone file: its name in the initramfs root, frequency, length and level (peak, of 127). */
export const GUEST_TONE = {file: 'tone-440.u8', hz: 440, seconds: 3, sampleRate: 8000, amplitude: 100} as const;

/** Unsigned 8-bit mono samples (silence is 128) of a sine at `hz`. */
export function sineU8(hz: number, seconds: number, sampleRate: number, amplitude: number): Buffer {
  const n = Math.round(seconds * sampleRate);
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = 128 + Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / sampleRate));
  return out;
}

/** The tone file's contents. */
export function guestToneData(): Buffer {
  return sineU8(GUEST_TONE.hz, GUEST_TONE.seconds, GUEST_TONE.sampleRate, GUEST_TONE.amplitude);
}
