/**
 * Unit: model control mode parsing, --load-model checks, Triton's refusal, and load-request
 * overrides (config JSON, file paths that must stay inside the model directory, private staging).
 */
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Status } from '../../../src/common/errors.js';
import {
  checkOverridePath,
  checkStartupModels,
  controlDisabledError,
  parseLoadParameters,
  parseModelControlMode,
  removeStagedModel,
  stageOverrideFiles,
} from '../../../src/core/model-management/index.js';
import { serverErrorOf } from '../../helpers/server-error-of.js';

describe('model control mode', () => {
  it('parseModelControlMode accepts the three modes in any case and names them when refusing', () => {
    expect(parseModelControlMode('none')).toBe('none');
    expect(parseModelControlMode('POLL')).toBe('poll');
    expect(parseModelControlMode('Explicit')).toBe('explicit');
    expect(serverErrorOf(() => parseModelControlMode('auto')).message).toBe(
      "Model control mode must be one of none, poll, explicit: received 'auto'",
    );
  });

  it('checkStartupModels allows * only alone and refuses empty names', () => {
    checkStartupModels(['*']);
    checkStartupModels(['a', 'b']);
    expect(serverErrorOf(() => checkStartupModels(['*', 'a'])).code).toBe('ERR_BAD_STARTUP_MODELS');
    expect(serverErrorOf(() => checkStartupModels([''])).status).toBe(Status.INVALID_ARG);
  });

  it('controlDisabledError is Triton UNAVAILABLE refusal', () => {
    const err = controlDisabledError();
    expect(err.status).toBe(Status.UNAVAILABLE);
    expect(err.message).toBe('explicit model load / unload is not allowed if polling is enabled');
  });
});

describe('load overrides', () => {
  it('parseLoadParameters returns null without parameters and reads config and base64 or byte files', () => {
    expect(parseLoadParameters('m', {})).toBeNull();
    const o = parseLoadParameters('m', {
      config: '{"max_batch_size": 2}',
      'file:1/model.onnx': Buffer.from('abc').toString('base64'),
      'file:./2//x.bin': new Uint8Array([9]),
    })!;
    expect(o.config).toEqual({ max_batch_size: 2 });
    expect(Buffer.from(o.files.get('1/model.onnx')!).toString()).toBe('abc');
    expect([...o.files.get('2/x.bin')!]).toEqual([9]);
  });

  it('parseLoadParameters refuses files without config, bad JSON, non-objects and unknown parameters', () => {
    expect(serverErrorOf(() => parseLoadParameters('m', { 'file:1/a': 'AA==' })).message).toBe(
      "failed to load 'm': 'file:' overrides need a 'config' parameter with the model configuration",
    );
    expect(serverErrorOf(() => parseLoadParameters('m', { config: '{' })).message).toMatch(
      /^failed to load 'm': Invalid config override: /,
    );
    expect(serverErrorOf(() => parseLoadParameters('m', { config: '[1]' })).message).toMatch(
      /expected a JSON object/,
    );
    expect(serverErrorOf(() => parseLoadParameters('m', { colour: true })).message).toBe(
      "failed to load 'm': Unrecognized load parameter 'colour' with type 'BOOL'",
    );
  });

  it('checkOverridePath refuses every path that leaves the model directory', () => {
    for (const bad of ['../x', 'a/../../x', '..', '/etc/passwd', 'a\\..\\..\\x', 'C:/x', '', '.', 'a\0b']) {
      const err = serverErrorOf(() => checkOverridePath('m', bad));
      expect(err.code).toBe('ERR_OVERRIDE_PATH');
      expect(err.status).toBe(Status.INVALID_ARG);
    }
    expect(checkOverridePath('m', '1/model.onnx')).toBe('1/model.onnx');
    expect(checkOverridePath('m', './labels.txt')).toBe('labels.txt');
  });

  it('stageOverrideFiles writes a private copy under the temp directory and removeStagedModel deletes it', async () => {
    const dir = await stageOverrideFiles('m', new Map([['1/model.onnx', new Uint8Array([1, 2])]]));
    expect(dir.startsWith(tmpdir())).toBe(true);
    expect(dir.endsWith(join('', 'm'))).toBe(true);
    expect([...readFileSync(join(dir, '1', 'model.onnx'))]).toEqual([1, 2]);
    await removeStagedModel(dir);
    expect(existsSync(dirname(dir))).toBe(false);
  });
});
