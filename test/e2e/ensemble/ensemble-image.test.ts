/**
 * E2E tests of the bundled image pipeline ensemble (text_orientation_image = image_preprocess in
 * JavaScript with sharp → PaddleOCR's text_orientation classifier) over HTTP on real encoded
 * images drawn in the test: the label matches running the two models one by one, an upside-down
 * line flips it, undecodable bytes fail naming step 1, and concurrent ensemble requests are
 * batched by the composing model's dynamic batcher.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, InferenceServerError, InferInput } from '../../../src/client/index.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import { type ImageFormat, textLineImage } from './text-line-image.js';

let t: TestServer;
let client: HttpClient;

beforeAll(async () => {
  t = await startTestServer();
  client = new HttpClient(t.baseUrl);
});

afterAll(async () => {
  await client?.close();
  await t?.close();
});

const imageInput = (bytes: Uint8Array) => InferInput.fromValues('image', 'BYTES', [1, 1], [bytes]);

/** The ensemble's probabilities and top label for one image. */
async function viaEnsemble(bytes: Uint8Array): Promise<{ probabilities: number[]; label: string }> {
  const raw = await client.infer('text_orientation_image', [imageInput(bytes)]);
  const top = await client.infer('text_orientation_image', [imageInput(bytes)], {
    outputs: [{ name: 'probabilities', classCount: 1 }],
  });
  return {
    probabilities: Array.from(raw.output<Float32Array>('probabilities')),
    label: top.outputAsStrings('probabilities')[0]!.split(':')[2]!,
  };
}

/** The same through the client: preprocess, then classify its output. */
async function oneByOne(bytes: Uint8Array): Promise<{ probabilities: number[]; label: string }> {
  const pre = await client.infer('image_preprocess', [imageInput(bytes)]);
  const x = InferInput.fromBytes('x', 'FP32', pre.shape('x'), pre.raw('x'));
  const raw = await client.infer('text_orientation', [x]);
  const top = await client.infer('text_orientation', [x], {
    outputs: [{ name: 'softmax_0.tmp_0', classCount: 1 }],
  });
  return {
    probabilities: Array.from(raw.output<Float32Array>('softmax_0.tmp_0')),
    label: top.outputAsStrings('softmax_0.tmp_0')[0]!.split(':')[2]!,
  };
}

describe('the text_orientation_image ensemble', () => {
  for (const format of ['png', 'jpeg'] as ImageFormat[]) {
    it(`labels a ${format.toUpperCase()} text line as running preprocess and classifier one by one does`, async () => {
      const bytes = await textLineImage(format, 1);
      const ensemble = await viaEnsemble(bytes);
      const direct = await oneByOne(bytes);
      expect(ensemble.label).toBe(direct.label);
      expect(['0_degree', '180_degree']).toContain(ensemble.label);
      for (const [i, p] of ensemble.probabilities.entries())
        expect(p).toBeCloseTo(direct.probabilities[i]!, 6);
    });
  }

  it('flips the label of a confidently classified line turned upside down', async () => {
    for (const format of ['png', 'jpeg'] as ImageFormat[]) {
      const upright = await viaEnsemble(await textLineImage(format, 0));
      const rotated = await viaEnsemble(await textLineImage(format, 0, true));
      // The drawn line is classified with confidence; only then is a flip meaningful.
      expect(Math.max(...upright.probabilities)).toBeGreaterThan(0.9);
      expect(rotated.label).not.toBe(upright.label);
    }
  });

  it('fails bytes that are not an image with a message naming step 1', async () => {
    const err = await client
      .infer('text_orientation_image', [imageInput(new TextEncoder().encode('not an image'))])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InferenceServerError);
    expect((err as Error).message).toContain(
      "Ensemble step 1 ('image_preprocess') of 'text_orientation_image' failed",
    );
    expect((err as InferenceServerError).httpStatus).toBe(400);
  });

  it('batches concurrent ensemble requests in the composing model with dynamic batching', async () => {
    const stats = async (name: string) => (await client.modelStatistics(name)).model_stats[0]!;
    const images = await Promise.all([0, 1, 2, 3].map((seed) => textLineImage('png', seed)));
    const before = { pre: await stats('image_preprocess'), ens: await stats('text_orientation_image') };
    const count = 16;
    const results = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        client.infer('text_orientation_image', [imageInput(images[i % 4]!)]),
      ),
    );
    const after = { pre: await stats('image_preprocess'), ens: await stats('text_orientation_image') };
    expect(results).toHaveLength(count);
    expect(after.ens.inference_stats.success.count - before.ens.inference_stats.success.count).toBe(count);
    expect(after.pre.inference_count - before.pre.inference_count).toBe(count);
    expect(after.pre.execution_count - before.pre.execution_count).toBeLessThan(count);
  });
});
