import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  formatTextProto,
  normalizeModelConfig,
  parseModelConfig,
  parsePartialModelConfig,
} from '../../../src/config/index.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/configs');
const FIXTURE_FILES = readdirSync(FIXTURES).filter((f) => f.endsWith('.pbtxt'));

describe('formatTextProto', () => {
  it('formatTextProto round-trips every fixture config through parse and normalize', () => {
    expect(FIXTURE_FILES.length).toBeGreaterThanOrEqual(8);
    for (const file of FIXTURE_FILES) {
      const config = parseModelConfig(readFileSync(join(FIXTURES, file), 'utf8'));
      expect(parseModelConfig(formatTextProto(config)), file).toEqual(config);
    }
  });

  it('formatTextProto round-trips a partial config to the same normalized config', () => {
    for (const file of FIXTURE_FILES) {
      const text = readFileSync(join(FIXTURES, file), 'utf8');
      const partial = parsePartialModelConfig(text);
      expect(parseModelConfig(formatTextProto(partial)), file).toEqual(normalizeModelConfig(partial));
    }
  });

  it("formatTextProto writes two-space indented text in Triton's style and omits defaults", () => {
    const text = formatTextProto(
      parseModelConfig(
        'name: "m" max_batch_size: 8 input [ { name: "x" data_type: TYPE_FP32 dims: [ 3, -1 ] } ] dynamic_batching { max_queue_delay_microseconds: 100 }',
      ),
    );
    expect(text).toBe(
      [
        'name: "m"',
        'max_batch_size: 8',
        'input [',
        '  {',
        '    name: "x"',
        '    data_type: TYPE_FP32',
        '    dims: [ 3, -1 ]',
        '  }',
        ']',
        'dynamic_batching {',
        '  preferred_batch_size: [ 8 ]',
        '  max_queue_delay_microseconds: 100',
        '}',
        'instance_group [',
        '  {',
        '    name: "m"',
        '    kind: KIND_CPU',
        '    count: 1',
        '  }',
        ']',
        '',
      ].join('\n'),
    );
  });

  it('formatTextProto keeps present but empty messages and oneof members set to their zero value', () => {
    const partial = parsePartialModelConfig(
      'version_policy { all { } } max_batch_size: 2 dynamic_batching { } model_warmup [ { batch_size: 1 inputs { key: "x" value { data_type: TYPE_FP32 dims: [ 1 ] zero_data: false } } } ]',
    );
    const text = formatTextProto(partial);
    expect(text).toContain('version_policy {\n  all { }\n}');
    expect(text).toContain('dynamic_batching { }');
    expect(text).toContain('zero_data: false');
    expect(parsePartialModelConfig(text)).toEqual(partial);
  });

  it('formatTextProto writes maps as key/value blocks, uint64 keys unquoted', () => {
    const partial = parsePartialModelConfig(
      'parameters { key: "k" value { string_value: "v" } } dynamic_batching { priority_levels: 2 default_priority_level: 1 priority_queue_policy { key: 2 value { max_queue_size: 3 } } }',
    );
    const text = formatTextProto(partial);
    expect(text).toContain('parameters {\n  key: "k"\n  value {\n    string_value: "v"\n  }\n}');
    expect(text).toContain(
      '  priority_queue_policy {\n    key: 2\n    value {\n      max_queue_size: 3\n    }\n  }',
    );
    expect(parsePartialModelConfig(text)).toEqual(partial);
  });

  it('formatTextProto escapes strings so that they parse back unchanged', () => {
    const name = 'quote " backslash \\ newline \n tab \t bell \u0007 é 字';
    const partial = { name, parameters: { [name]: { string_value: name } } };
    expect(parsePartialModelConfig(formatTextProto(partial))).toEqual(partial);
  });

  it('formatTextProto writes special floats as inf, -inf and nan', () => {
    const partial = {
      sequence_batching: {
        control_input: [
          {
            name: 'c',
            control: [{ fp32_false_true: [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, 0.25] }],
          },
        ],
        direct: { minimum_slot_utilization: Number.NaN },
      },
    };
    const text = formatTextProto(partial);
    expect(text).toContain('fp32_false_true: [ -inf, inf, 0.25 ]');
    expect(text).toContain('minimum_slot_utilization: nan');
    expect(parsePartialModelConfig(text)).toEqual(partial);
  });

  it('formatTextProto returns an empty string for an empty config', () => {
    expect(formatTextProto({})).toBe('');
  });
});
