/**
 * Unit: model control mode parsing, --load-model checks, Triton's refusal, and load-request
 * overrides (config JSON, file paths that must stay inside the model directory, private staging).
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ServerError, Status } from '../../../src/common/errors.js';
import {
  checkOverridePath,
  checkStartupModels,
  controlDisabledError,
  parseLoadParameters,
  parseModelControlMode,
  removeStagedModel,
  stageOverrideFiles,
  sweepStaleOverrideCopies,
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
    const staged = await stageOverrideFiles('m', new Map([['1/model.onnx', new Uint8Array([1, 2])]]));
    expect(dirname(staged.root)).toBe(tmpdir());
    expect(staged.dir).toBe(join(staged.root, 'm'));
    expect((statSync(staged.root).mode & 0o777).toString(8)).toBe('700');
    expect([...readFileSync(join(staged.dir, '1', 'model.onnx'))]).toEqual([1, 2]);
    await removeStagedModel(staged);
    expect(existsSync(staged.root)).toBe(false);
  });

  it('stageOverrideFiles refuses an invalid model name before it creates anything', async () => {
    for (const bad of ['../../tmp/victim/x', '..', 'a/b', '.hidden', 'a\\b', 'x\u0001y']) {
      const err = await stageOverrideFiles(bad, new Map([['a', new Uint8Array(1)]])).then(
        () => null,
        (e: unknown) => e as ServerError,
      );
      expect(err?.code).toBe('ERR_MODEL_NAME');
    }
  });

  it('removeStagedModel refuses to remove anything that is not a private override copy', async () => {
    const victim = mkdtempSync(join(tmpdir(), 'victim-'));
    writeFileSync(join(victim, 'keep'), 'data');
    for (const staged of [
      { root: victim, dir: join(victim, 'm') },
      { root: dirname(victim), dir: victim },
      { root: join(tmpdir(), 'nereid-override-1-abcdef', '..'), dir: join(tmpdir(), 'm') },
      { root: '/', dir: '/tmp' },
    ]) {
      const err = await removeStagedModel(staged).then(
        () => null,
        (e: unknown) => e as ServerError,
      );
      expect(err?.code).toBe('ERR_OVERRIDE_WRITE');
    }
    expect(readFileSync(join(victim, 'keep'), 'utf8')).toBe('data');
    rmSync(victim, { recursive: true });
  });

  it('stageOverrideFiles answers a file it cannot write with the override path and no server path', async () => {
    const err = await stageOverrideFiles(
      'm',
      new Map([
        ['a', new Uint8Array(1)],
        ['a/b', new Uint8Array(1)],
      ]),
    ).then(
      () => null,
      (e: unknown) => e as ServerError,
    );
    expect(err?.code).toBe('ERR_OVERRIDE_WRITE');
    expect(err?.message).toBe(
      `failed to load 'm', failed to poll from model repository: cannot write file override "a/b" (EEXIST)`,
    );
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith(`nereid-override-${process.pid}-`))).toEqual([]);
  });

  it('checkOverridePath refuses a segment longer than a file name may be, before anything is written', () => {
    const err = serverErrorOf(() => checkOverridePath('m', `1/${'x'.repeat(256)}`));
    expect(err.code).toBe('ERR_OVERRIDE_PATH');
    expect(err.message).toMatch(/a segment is longer than 255 bytes/);
  });

  it('sweepStaleOverrideCopies removes copies of dead processes and keeps live ones', async () => {
    const dead = join(tmpdir(), 'nereid-override-2147483646-abcdef');
    mkdirSync(join(dead, 'm'), { recursive: true });
    const live = await stageOverrideFiles('m', new Map([['a', new Uint8Array(1)]]));
    const other = join(tmpdir(), 'nereid-override-2147483646-toolong7');
    mkdirSync(other);
    expect(await sweepStaleOverrideCopies()).toBeGreaterThanOrEqual(1);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live.dir)).toBe(true);
    expect(existsSync(other)).toBe(true);
    await removeStagedModel(live);
    rmSync(other, { recursive: true });
  });
});
