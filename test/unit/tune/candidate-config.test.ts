/** Unit: reading a candidate from a config and writing one into a config (served JSON and config.pbtxt). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatTextProto, parsePartialModelConfig } from '../../../src/config/index.js';
import {
  applyCandidate,
  type Candidate,
  type ConfigObject,
  candidateFromConfig,
  candidateKey,
  describeCandidate,
  differingFields,
  sameConfig,
} from '../../../src/tools/tune/index.js';

/** The served (Triton JSON) config of text_orientation as Nereid returns it, with two extra fields set. */
function served(): ConfigObject {
  return {
    name: 'text_orientation',
    platform: 'onnxruntime_onnx',
    backend: 'onnxruntime',
    max_batch_size: 8,
    input: [{ name: 'x', data_type: 'TYPE_FP32', dims: [3, 48, 192] }],
    dynamic_batching: {
      preferred_batch_size: [4, 8],
      max_queue_delay_microseconds: 500,
      preserve_ordering: false,
      priority_levels: 2,
      default_priority_level: 1,
      priority_queue_policy: {},
    },
    instance_group: [{ name: 'text_orientation_0', kind: 'KIND_CPU', count: 1, gpus: [] }],
    parameters: { intra_op_thread_count: { string_value: '2' }, other: { string_value: 'x' } },
  };
}

const PLAIN: Candidate = {
  instances: 2,
  dynamicBatching: false,
  maxBatchSize: 8,
  maxQueueDelayUs: 0,
  preferredBatchSizes: [],
  intraOpThreads: 0,
};

describe('candidateFromConfig', () => {
  it('reads instances, dynamic batching, queue delay, preferred sizes and intra-op threads', () => {
    expect(candidateFromConfig(served())).toEqual({
      instances: 1,
      dynamicBatching: true,
      maxBatchSize: 8,
      maxQueueDelayUs: 500,
      preferredBatchSizes: [4, 8],
      intraOpThreads: 2,
    });
  });

  it('counts the instances of every group and reads [max_batch_size] as the default preferred size', () => {
    const config: ConfigObject = { ...served(), instance_group: [{ count: 2 }, { count: 3 }] };
    (config.dynamic_batching as { preferred_batch_size: number[] }).preferred_batch_size = [8];
    const c = candidateFromConfig(config);
    expect(c.instances).toBe(5);
    expect(c.preferredBatchSizes).toEqual([]);
  });
});

describe('applyCandidate', () => {
  it('changes only the tuned fields of a served config and keeps dynamic_batching priorities', () => {
    const base = served();
    const out = applyCandidate(base, {
      ...PLAIN,
      dynamicBatching: true,
      maxBatchSize: 16,
      maxQueueDelayUs: 0,
      intraOpThreads: 1,
    });
    expect(differingFields(base, out)).toEqual([
      'dynamic_batching',
      'instance_group',
      'max_batch_size',
      'parameters',
    ]);
    expect(out.dynamic_batching).toMatchObject({
      preferred_batch_size: [16],
      max_queue_delay_microseconds: 0,
      priority_levels: 2,
      default_priority_level: 1,
    });
    expect(out.instance_group).toEqual([
      { name: 'text_orientation_0', kind: 'KIND_CPU', count: 2, gpus: [] },
    ]);
    expect(out.parameters).toEqual({
      intra_op_thread_count: { string_value: '1' },
      other: { string_value: 'x' },
    });
    expect(base).toEqual(served());
  });

  it('removes dynamic batching and the intra-op parameter for a plain candidate', () => {
    const out = applyCandidate(served(), PLAIN);
    expect(out.dynamic_batching).toBeUndefined();
    expect(out.parameters).toEqual({ other: { string_value: 'x' } });
    expect(candidateKey(candidateFromConfig(out))).toBe(candidateKey(PLAIN));
  });

  it('writes a partial config.pbtxt that parses back to the candidate, leaving the rest to auto-complete', () => {
    const text = readFileSync(
      new URL('../../../examples/model_repository/text_orientation/config.pbtxt', import.meta.url),
      'utf8',
    );
    const partial = parsePartialModelConfig(text) as ConfigObject;
    const winner = { ...PLAIN, dynamicBatching: true, maxBatchSize: 16, maxQueueDelayUs: 1000 };
    const written = formatTextProto(applyCandidate(partial, winner));
    const back = parsePartialModelConfig(written) as ConfigObject;
    expect(candidateFromConfig(back)).toEqual(winner);
    expect(back.output).toEqual(partial.output);
    expect(back.platform).toBeUndefined();
    expect(written).toContain('max_queue_delay_microseconds: 1000');
  });

  it("drops a sequence model's oldest preferred sizes above the new max_batch_size", () => {
    const config: ConfigObject = {
      max_batch_size: 64,
      sequence_batching: { oldest: { preferred_batch_size: [16, 64], max_queue_delay_microseconds: 2000 } },
      instance_group: [{ kind: 'KIND_CPU', count: 1 }],
    };
    const out = applyCandidate(config, { ...PLAIN, maxBatchSize: 32 });
    expect(out.sequence_batching).toEqual({
      oldest: { preferred_batch_size: [16], max_queue_delay_microseconds: 2000 },
    });
  });
});

describe('sameConfig and differingFields', () => {
  it('ignore key order and name the top-level fields that differ', () => {
    const a = { max_batch_size: 8, instance_group: [{ kind: 'KIND_CPU', count: 1 }] };
    const b = { instance_group: [{ count: 1, kind: 'KIND_CPU' }], max_batch_size: 8 };
    expect(sameConfig(a, b)).toBe(true);
    expect(sameConfig(a, { ...b, max_batch_size: 4 })).toBe(false);
    expect(differingFields(a, { ...b, max_batch_size: 4, name: 'x' })).toEqual(['max_batch_size', 'name']);
  });
});

describe('describeCandidate', () => {
  it('names instances, batching and threads', () => {
    expect(describeCandidate(PLAIN, true)).toBe(
      '2 instances, no dynamic batching (max 8), default intra-op threads',
    );
    expect(
      describeCandidate(
        { ...PLAIN, instances: 1, dynamicBatching: true, preferredBatchSizes: [4, 8], intraOpThreads: 1 },
        true,
      ),
    ).toBe('1 instance, dynamic batching (max 8, delay 0 µs, preferred 4,8), 1 intra-op thread');
    expect(describeCandidate({ ...PLAIN, maxBatchSize: 0 }, false)).toBe('2 instances, no batching');
  });
});
