/**
 * Real speech for the VAD tests, made at test time: espeak-ng speaks a sentence into a WAV
 * (16-bit mono, 22050 Hz), which is decoded, resampled to 16 kHz (linear interpolation) and
 * padded with silence, then cut into the model's inputs (512-sample windows with 64 samples of
 * context).
 */
import { execFileSync } from 'node:child_process';

/** Model sample rate. */
export const SAMPLE_RATE_HZ = 16000;
/** New samples per window. */
export const WINDOW = 512;
/** Samples of the previous window repeated before each window (the model's context). */
export const CONTEXT = 64;
/** Floats per model input: context + window. */
export const INPUT = CONTEXT + WINDOW;

/** Decodes a 16-bit PCM mono WAV into floats in [-1, 1] and its sample rate. */
function decodeWav(wav: Buffer): { samples: Float32Array; rateHz: number } {
  if (wav.toString('ascii', 0, 4) !== 'RIFF' || wav.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error('espeak-ng did not write a WAV file');
  }
  let offset = 12;
  let rateHz = 0;
  while (offset + 8 <= wav.length) {
    const id = wav.toString('ascii', offset, offset + 4);
    let size = wav.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') rateHz = wav.readUInt32LE(body + 4);
    if (id === 'data') {
      // espeak-ng --stdout cannot seek back, so its data size may be 0xffffffff: use the rest.
      if (size === 0xffffffff || body + size > wav.length) size = wav.length - body;
      const samples = new Float32Array(size >> 1);
      for (let i = 0; i < samples.length; i++) samples[i] = wav.readInt16LE(body + 2 * i) / 32768;
      return { samples, rateHz };
    }
    offset = body + size + (size & 1);
  }
  throw new Error('WAV file has no data chunk');
}

/** Linear-interpolation resampling from `fromHz` to `toHz`. */
function resample(input: Float32Array, fromHz: number, toHz: number): Float32Array {
  const out = new Float32Array(Math.floor((input.length * toHz) / fromHz));
  const step = fromHz / toHz;
  for (let i = 0; i < out.length; i++) {
    const x = i * step;
    const k = Math.floor(x);
    const f = x - k;
    out[i] = (input[k] ?? 0) * (1 - f) + (input[k + 1] ?? input[k] ?? 0) * f;
  }
  return out;
}

/** `text` spoken by espeak-ng at 16 kHz, with `leadS` and `tailS` seconds of silence around it. */
export function speech(
  text: string,
  leadS: number,
  tailS: number,
  voice = 'en',
): {
  samples: Float32Array;
  speechStartS: number;
  speechEndS: number;
} {
  const wav = execFileSync('espeak-ng', ['-v', voice, '--stdout', text], { maxBuffer: 64 << 20 });
  const { samples, rateHz } = decodeWav(wav);
  const voiced = resample(samples, rateHz, SAMPLE_RATE_HZ);
  const lead = Math.round(leadS * SAMPLE_RATE_HZ);
  const out = new Float32Array(lead + voiced.length + Math.round(tailS * SAMPLE_RATE_HZ));
  out.set(voiced, lead);
  return { samples: out, speechStartS: leadS, speechEndS: leadS + voiced.length / SAMPLE_RATE_HZ };
}

/**
 * The model inputs of the audio: each whole 512-sample window (the remainder is dropped) preceded
 * by the last 64 samples before it (zeros for the first), 576 floats each.
 */
export function windows(samples: Float32Array): Float32Array[] {
  const out: Float32Array[] = [];
  for (let at = 0; at + WINDOW <= samples.length; at += WINDOW) {
    const input = new Float32Array(INPUT);
    if (at > 0) input.set(samples.subarray(at - CONTEXT, at));
    input.set(samples.subarray(at, at + WINDOW), CONTEXT);
    out.push(input);
  }
  return out;
}
