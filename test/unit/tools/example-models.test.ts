import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExampleRepository, EXAMPLE_MODEL_NAMES } from '../../../src/tools/examples/index.js';
import { SeededRandom } from '../../../src/tools/onnx/index.js';
import { modelMetadata, runModel } from './ort-run.js';
import { LINE_HEIGHT, LINE_WIDTH, renderTextLine, rotate180 } from './text-line-image.js';

let repo: string;
const modelPath = (name: string) => join(repo, name, '1', 'model.onnx');

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'nereid-examples-'));
  buildExampleRepository(repo);
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

function randomInts(rng: SeededRandom, count: number, low: number, high: number): number[] {
  return Array.from({ length: count }, () => rng.int(low, high));
}

describe('example models', () => {
  it('every example model declares the same input and output names and ranks as its config.pbtxt', async () => {
    for (const name of EXAMPLE_MODEL_NAMES) {
      const config = readFileSync(join(repo, name, 'config.pbtxt'), 'utf8');
      const tensorNames = [...config.matchAll(/^\s+name: "([^"]+)"/gm)].map((m) => m[1]);
      const dims = [...config.matchAll(/dims: \[([^\]]*)\]/g)].map((m) => m[1]!.split(',').length);
      const meta = await modelMetadata(modelPath(name));
      expect(tensorNames, name).toEqual([...meta.inputNames, ...meta.outputNames]);
      const ranks = [...meta.inputMetadata, ...meta.outputMetadata].map(
        (m) => (m as { shape: unknown[] }).shape.length,
      );
      expect(ranks, name).toEqual(dims.map((d) => d + 1)); // + the batch dim (max_batch_size > 0)
    }
  });

  it('simple adds and subtracts INT32 rows for batch sizes 1, 2 and 8', async () => {
    const rng = new SeededRandom(1);
    for (const batch of [1, 2, 8]) {
      const a = Int32Array.from(randomInts(rng, batch * 16, -1_000_000, 1_000_000));
      const b = Int32Array.from(randomInts(rng, batch * 16, -1_000_000, 1_000_000));
      const out = await runModel(modelPath('simple'), {
        INPUT0: new Tensor('int32', a, [batch, 16]),
        INPUT1: new Tensor('int32', b, [batch, 16]),
      });
      expect(out.OUTPUT0!.dims).toEqual([batch, 16]);
      expect(Array.from(out.OUTPUT0!.data as Int32Array)).toEqual(Array.from(a, (v, i) => v + b[i]!));
      expect(Array.from(out.OUTPUT1!.data as Int32Array)).toEqual(Array.from(a, (v, i) => v - b[i]!));
    }
  });

  it('simple_int8 wraps around on overflow like C int8 (100 + 100 = -56, -100 - 100 = 56)', async () => {
    const rng = new SeededRandom(2);
    const a = Int8Array.from([100, -100, 127, -128, ...randomInts(rng, 28, -128, 127)]);
    const b = Int8Array.from([100, 100, 1, 1, ...randomInts(rng, 28, -128, 127)]);
    const out = await runModel(modelPath('simple_int8'), {
      INPUT0: new Tensor('int8', a, [2, 16]),
      INPUT1: new Tensor('int8', b, [2, 16]),
    });
    const sum = out.OUTPUT0!.data as Int8Array;
    const diff = out.OUTPUT1!.data as Int8Array;
    expect(out.OUTPUT0!.type).toBe('int8');
    expect([sum[0], diff[1]]).toEqual([-56, 56]);
    expect([sum[2], diff[3]]).toEqual([-128, 127]);
    // Int8Array.from wraps modulo 256, which is the expected int8 arithmetic.
    expect(Array.from(sum)).toEqual(Array.from(Int8Array.from(a, (v, i) => v + b[i]!)));
    expect(Array.from(diff)).toEqual(Array.from(Int8Array.from(a, (v, i) => v - b[i]!)));
  });

  it('simple_string returns the sum and difference of decimal strings, negatives included', async () => {
    const rng = new SeededRandom(3);
    for (const batch of [1, 3]) {
      const a = randomInts(rng, batch * 16, -5000, 5000);
      const b = randomInts(rng, batch * 16, -5000, 5000);
      a[0] = -7;
      b[0] = 3;
      const out = await runModel(modelPath('simple_string'), {
        INPUT0: new Tensor('string', a.map(String), [batch, 16]),
        INPUT1: new Tensor('string', b.map(String), [batch, 16]),
      });
      expect(out.OUTPUT0!.dims).toEqual([batch, 16]);
      expect(out.OUTPUT0!.data).toEqual(a.map((v, i) => String(v + b[i]!)));
      expect(out.OUTPUT1!.data).toEqual(a.map((v, i) => String(v - b[i]!)));
      expect((out.OUTPUT1!.data as string[])[0]).toBe('-10');
    }
  });

  it('simple_string accepts a leading plus sign and wraps sums at 32 bits', async () => {
    const a = ['+5', '2147483647', '-2147483648', ...Array.from({ length: 13 }, (_, i) => String(i))];
    const b = ['1', '1', '1', ...Array.from({ length: 13 }, (_, i) => String(-i))];
    const out = await runModel(modelPath('simple_string'), {
      INPUT0: new Tensor('string', a, [1, 16]),
      INPUT1: new Tensor('string', b, [1, 16]),
    });
    const sum = out.OUTPUT0!.data as string[];
    const diff = out.OUTPUT1!.data as string[];
    expect(sum.slice(0, 2)).toEqual(['6', String((2147483647 + 1) | 0)]);
    expect(diff[2]).toBe(String((-2147483648 - 1) | 0));
  });

  it('simple_string fails the run for an element that is not a number', async () => {
    const bad = Array.from({ length: 16 }, (_, i) => (i === 4 ? 'abc' : '1'));
    await expect(
      runModel(modelPath('simple_string'), {
        INPUT0: new Tensor('string', bad, [1, 16]),
        INPUT1: new Tensor('string', bad, [1, 16]),
      }),
    ).rejects.toThrowError(/Cast/);
  });

  it('custom_identity_int32 returns its input for any row length and batch size', async () => {
    const rng = new SeededRandom(4);
    for (const [batch, length] of [
      [1, 1],
      [3, 7],
      [8, 100],
    ] as const) {
      const data = Int32Array.from(randomInts(rng, batch * length, -(2 ** 31), 2 ** 31 - 1));
      const out = await runModel(modelPath('custom_identity_int32'), {
        INPUT0: new Tensor('int32', data, [batch, length]),
      });
      expect(out.OUTPUT0!.dims).toEqual([batch, length]);
      expect(Array.from(out.OUTPUT0!.data as Int32Array)).toEqual(Array.from(data));
    }
  });

  it('text_orientation tells upright text from upside-down text in one batch', async () => {
    const lines = [renderTextLine('WORLD', 4), renderTextLine('HELLO WORLD', 2)];
    const images = [...lines, ...lines.map(rotate180)];
    const input = new Float32Array(images.length * 3 * LINE_HEIGHT * LINE_WIDTH);
    images.forEach((img, i) => {
      input.set(img, i * img.length);
    });
    const out = await runModel(modelPath('text_orientation'), {
      x: new Tensor('float32', input, [images.length, 3, LINE_HEIGHT, LINE_WIDTH]),
    });
    const probs = out['softmax_0.tmp_0']!;
    expect(probs.dims).toEqual([4, 2]);
    const labels = readFileSync(join(repo, 'text_orientation', 'labels.txt'), 'utf8')
      .trim()
      .split('\n');
    const data = probs.data as Float32Array;
    const predicted = [0, 1, 2, 3].map((r) => labels[data[r * 2]! >= data[r * 2 + 1]! ? 0 : 1]);
    expect(predicted).toEqual(['0_degree', '0_degree', '180_degree', '180_degree']);
    for (let r = 0; r < 4; r++) expect(data[r * 2]! + data[r * 2 + 1]!).toBeCloseTo(1, 5);
  });

  it('text_orientation gives each row of a batch the result it gets alone', async () => {
    const image = renderTextLine('HELLO', 4);
    const batch = new Float32Array(3 * image.length);
    batch.set(rotate180(image), 0);
    batch.set(image, image.length);
    batch.set(rotate180(renderTextLine('WORLD', 4)), 2 * image.length);
    const together = await runModel(modelPath('text_orientation'), {
      x: new Tensor('float32', batch, [3, 3, LINE_HEIGHT, LINE_WIDTH]),
    });
    const alone = await runModel(modelPath('text_orientation'), {
      x: new Tensor('float32', image, [1, 3, LINE_HEIGHT, LINE_WIDTH]),
    });
    const row1 = Array.from((together['softmax_0.tmp_0']!.data as Float32Array).subarray(2, 4));
    const single = Array.from(alone['softmax_0.tmp_0']!.data as Float32Array);
    row1.forEach((v, i) => {
      expect(v).toBeCloseTo(single[i]!, 5);
    });
  });
});
