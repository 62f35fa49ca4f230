/**
 * E2E: the real Silero VAD v6 model served with implicit state and the oldest strategy. Several
 * concurrent streams of real speech (espeak-ng, made at test time) are sent window by window
 * over gRPC ModelStreamInfer and HTTP; every speech probability Nereid returns equals, to float
 * tolerance, the one of the original model run sequentially in this process with its state
 * carried by hand, and speech is found where it was put.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcClient, HttpClient, InferInput } from '../../../src/client/index.js';
import { buildSileroVadModel, readSileroVadSource } from '../../../src/tools/examples/index.js';
import { startTestGrpcServer, type TestGrpcServer } from '../../helpers/test-grpc-server.js';
import { EXAMPLES_REPOSITORY } from '../../helpers/test-server.js';
import { INPUT, SAMPLE_RATE_HZ, speech, WINDOW, windows } from './speech-audio.js';

const STREAMS = [
  { text: 'The quick brown fox jumps over the lazy dog', leadS: 0.6, tailS: 0.8, voice: 'en' },
  { text: 'Sequence batching keeps every stream apart', leadS: 1.2, tailS: 0.6, voice: 'en-us' },
  { text: 'Hello world, this is a test', leadS: 0.9, tailS: 1.0, voice: 'en' },
  { text: 'One two three four five', leadS: 1.5, tailS: 0.7, voice: 'en-us' },
];

let repo: string;
let t: TestGrpcServer;
let reference: ort.InferenceSession;
const audio = STREAMS.map((s) => speech(s.text, s.leadS, s.tailS, s.voice));

beforeAll(async () => {
  repo = mkdtempSync(join(tmpdir(), 'nereid-vad-'));
  mkdirSync(join(repo, 'silero_vad', '1'), { recursive: true });
  copyFileSync(
    join(EXAMPLES_REPOSITORY, 'silero_vad', 'config.pbtxt'),
    join(repo, 'silero_vad', 'config.pbtxt'),
  );
  writeFileSync(join(repo, 'silero_vad', '1', 'model.onnx'), buildSileroVadModel());
  t = await startTestGrpcServer({ modelRepositories: [repo] });
  reference = await ort.InferenceSession.create(readSileroVadSource(), { intraOpNumThreads: 1 });
}, 60_000);

afterAll(async () => {
  await t?.close();
  await reference?.release();
  if (repo) rmSync(repo, { recursive: true, force: true });
});

/** The original model (with its `sr` input) run window by window, its state carried by hand. */
async function referenceProbabilities(chunks: Float32Array[]): Promise<number[]> {
  let state: ort.Tensor = new ort.Tensor('float32', new Float32Array(2 * 128), [2, 1, 128]);
  const sr = new ort.Tensor('int64', BigInt64Array.of(BigInt(SAMPLE_RATE_HZ)), []);
  const out: number[] = [];
  for (const chunk of chunks) {
    const result = await reference.run({ input: new ort.Tensor('float32', chunk, [1, INPUT]), state, sr });
    out.push((result.output!.data as Float32Array)[0]!);
    state = result.stateN as ort.Tensor;
  }
  return out;
}

/** All windows of one stream sent at once on a gRPC stream; the answers in order. */
async function servedOverStream(client: GrpcClient, id: number, chunks: Float32Array[]): Promise<number[]> {
  const stream = client.stream();
  for (let i = 0; i < chunks.length; i++) {
    stream.send({
      model: 'silero_vad',
      inputs: [InferInput.fromValues('input', 'FP32', [1, INPUT], chunks[i]!)],
      sequenceId: id,
      sequenceStart: i === 0,
      sequenceEnd: i === chunks.length - 1,
    });
  }
  stream.end();
  const out: number[] = [];
  for await (const item of stream) {
    if (item instanceof Error) throw item;
    expect(item.outputNames()).toEqual(['output']); // the state never reaches the client
    out.push(item.outputAsFloat32('output')[0]!);
  }
  return out;
}

/** One window at a time over HTTP, each sent after the previous answer. */
async function servedOverHttp(client: HttpClient, id: string, chunks: Float32Array[]): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < chunks.length; i++) {
    const r = await client.infer(
      'silero_vad',
      [InferInput.fromValues('input', 'FP32', [1, INPUT], chunks[i]!)],
      {
        sequenceId: id,
        sequenceStart: i === 0,
        sequenceEnd: i === chunks.length - 1,
      },
    );
    out.push(r.outputAsFloat32('output')[0]!);
  }
  return out;
}

describe('Silero VAD with implicit state', () => {
  it('concurrent speech streams get the probabilities of the model run sequentially in-process', async () => {
    const chunks = audio.map((a) => windows(a.samples));
    const expected: number[][] = [];
    for (const c of chunks) expected.push(await referenceProbabilities(c));
    const grpc = new GrpcClient(t.grpcAddress);
    const http = new HttpClient(t.baseUrl);
    try {
      const served = await Promise.all([
        servedOverStream(grpc, 101, chunks[0]!),
        servedOverStream(grpc, 102, chunks[1]!),
        servedOverStream(grpc, 103, chunks[2]!),
        servedOverHttp(http, 'stream-104', chunks[3]!),
      ]);
      for (let s = 0; s < STREAMS.length; s++) {
        expect(served[s]!.length).toBe(expected[s]!.length);
        const worst = Math.max(...served[s]!.map((p, i) => Math.abs(p - expected[s]![i]!)));
        expect(worst).toBeLessThan(1e-4);
      }
      const stats = t.server.statistics('silero_vad').model_stats[0]!;
      const batches = stats.batch_stats.map((b: { batch_size: number }) => b.batch_size);
      expect(Math.max(...batches)).toBeGreaterThan(1); // streams were batched together
    } finally {
      grpc.close();
      await http.close();
    }
  }, 120_000);

  it('speech is found where it was put and nowhere in the leading silence', async () => {
    const grpc = new GrpcClient(t.grpcAddress);
    try {
      const results = await Promise.all(
        audio.map((a, s) => servedOverStream(grpc, 200 + s, windows(a.samples))),
      );
      results.forEach((probabilities, s) => {
        const { speechStartS, speechEndS } = audio[s]!;
        const timeOf = (i: number) => (i * WINDOW) / SAMPLE_RATE_HZ;
        const silence = probabilities.filter((_, i) => timeOf(i + 1) < speechStartS - 0.05);
        const voiced = probabilities.filter((_, i) => timeOf(i) > speechStartS && timeOf(i + 1) < speechEndS);
        expect(Math.max(...silence)).toBeLessThan(0.1);
        expect(Math.max(...voiced)).toBeGreaterThan(0.9);
        const firstSpeech = timeOf(probabilities.findIndex((p) => p > 0.5));
        expect(Math.abs(firstSpeech - speechStartS)).toBeLessThan(0.3);
      });
    } finally {
      grpc.close();
    }
  }, 120_000);
});
