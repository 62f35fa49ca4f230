/**
 * Unit: the one model-name check and the one relative-path check that every entry point uses
 * (HTTP path, gRPC field, repository scan, ensemble steps, model calls; config-named files and
 * file overrides).
 */
import { describe, expect, it } from 'vitest';
import {
  checkModelName,
  isValidModelName,
  MAX_MODEL_NAME_BYTES,
  modelNameProblem,
  normalizeRelativePath,
  relativePathProblem,
} from '../../../src/common/index.js';
import { redactRoot } from '../../../src/core/model-management/redact-paths.js';
import { serverErrorOf } from '../../helpers/server-error-of.js';

describe('model names', () => {
  it('accepts the names Triton repositories use', () => {
    for (const name of [
      'simple',
      'resnet50_v1.5',
      'my-model',
      'Ünïcode',
      'a.b',
      'x'.repeat(MAX_MODEL_NAME_BYTES),
    ]) {
      expect(modelNameProblem(name), name).toBeNull();
    }
  });

  it('refuses separators, dot names, control characters and names too long for a directory', () => {
    const cases: [string, RegExp][] = [
      ['', /empty/],
      ['.', /starts with '\.'/],
      ['..', /starts with '\.'/],
      ['.hidden', /starts with '\.'/],
      ['a..b', /contains '\.\.'/],
      ['../../tmp/victim/x', /starts with '\.'/],
      ['a/b', /path separator/],
      ['a\\b', /path separator/],
      ['a\0b', /control character/],
      ['a\nb', /control character/],
      ['a\u0085b', /control character/],
      ['a\u007fb', /control character/],
      ['é'.repeat(128), /longer than 255 bytes/],
    ];
    for (const [name, why] of cases) {
      expect(modelNameProblem(name), JSON.stringify(name)).toMatch(why);
      expect(isValidModelName(name)).toBe(false);
    }
  });

  it('checkModelName throws INVALID_ARG ERR_MODEL_NAME with the name quoted and escaped', () => {
    const err = serverErrorOf(() => checkModelName('x\u0001/y'));
    expect(err.status).toBe('INVALID_ARG');
    expect(err.code).toBe('ERR_MODEL_NAME');
    expect(err.message).toBe(
      'Invalid model name "x\\u0001/y": it contains a path separator or a control character',
    );
  });
});

describe('relative paths', () => {
  it('accepts paths below the directory and normalizes them', () => {
    for (const path of ['labels.txt', '1/model.onnx', './a//b', 'a/./b'])
      expect(relativePathProblem(path)).toBeNull();
    expect(normalizeRelativePath('./a//b/./c')).toBe('a/b/c');
  });

  it('refuses every path that could leave the directory', () => {
    const cases: [string, RegExp][] = [
      ['', /empty/],
      ['/etc/passwd', /absolute/],
      ['\\x', /absolute/],
      ['C:/x', /absolute/],
      ['../x', /'\.\.' segment/],
      ['a/../../x', /'\.\.' segment/],
      ['a\\..\\x', /'\.\.' segment/],
      ['.', /directory itself/],
      ['a\0b', /NUL/],
      [`a/${'x'.repeat(256)}`, /segment is longer than 255 bytes/],
      ['a/'.repeat(600), /longer than 1024 bytes/],
    ];
    for (const [path, why] of cases) expect(relativePathProblem(path), JSON.stringify(path)).toMatch(why);
  });
});

describe('path redaction', () => {
  it('cuts the repository root from a message and leaves other text alone', () => {
    expect(
      redactRoot("Load model from /srv/models/simple/1/model.onnx failed: '/srv/models/x'", '/srv/models'),
    ).toBe("Load model from simple/1/model.onnx failed: 'x'");
    expect(redactRoot('no paths here', '/srv/models')).toBe('no paths here');
    expect(redactRoot('/srv/modelsX/y', '/srv/models')).toBe('/srv/modelsX/y');
  });
});
