/** Unit: the recommended config.pbtxt and --write-config in a real temporary repository. */
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parsePartialModelConfig } from '../../../src/config/index.js';
import {
  type ConfigObject,
  candidateFromConfig,
  findRepositoryModel,
  recommendedConfigText,
  repositoryConfigObject,
  resolveTuneOptions,
  writableModel,
  writeRepositoryConfig,
} from '../../../src/tools/tune/index.js';
import { serverErrorOf } from '../../helpers/server-error-of.js';
import { cand } from './results-fixture.js';

const ORIGINAL = '# my comment\nname: "m"\nbackend: "onnxruntime"\nmax_batch_size: 8\n';
let repo: string;
let outside: string;

beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), 'nereid-tune-repo-'));
  outside = mkdtempSync(join(tmpdir(), 'nereid-tune-outside-'));
  mkdirSync(join(repo, 'm'));
  writeFileSync(join(repo, 'm', 'config.pbtxt'), ORIGINAL);
});

afterEach(() => {
  rmSync(repo, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

describe('recommended config', () => {
  it("builds on the repository's own config.pbtxt, with the reason as a comment", () => {
    const found = findRepositoryModel([outside, repo], 'm')!;
    const winner = cand({ instances: 2, dynamicBatching: true, maxQueueDelayUs: 1000 });
    const text = recommendedConfigText(
      repositoryConfigObject(found),
      winner,
      'Because '.repeat(20).trim(),
      new Date('2026-12-07T10:00:00Z'),
    );
    expect(text.split('\n').slice(0, 3)).toEqual([
      '# Tuned by nereid tune on 2026-12-07.',
      `# ${'Because '.repeat(12).trim()}`,
      `# ${'Because '.repeat(8).trim()}`,
    ]);
    const parsed = parsePartialModelConfig(text) as ConfigObject;
    expect(candidateFromConfig(parsed)).toEqual(winner);
    expect(parsed.backend).toBe('onnxruntime');
    expect(parsed.input).toBeUndefined();
  });

  it('writes the winner and keeps the previous file as config.pbtxt.bak, then .bak.1', () => {
    const found = findRepositoryModel([repo], 'm')!;
    expect(writeRepositoryConfig(found, 'max_batch_size: 16\n')).toBe('config.pbtxt.bak');
    expect(readFileSync(join(repo, 'm', 'config.pbtxt'), 'utf8')).toBe('max_batch_size: 16\n');
    expect(readFileSync(join(repo, 'm', 'config.pbtxt.bak'), 'utf8')).toBe(ORIGINAL);
    expect(writeRepositoryConfig(findRepositoryModel([repo], 'm')!, 'max_batch_size: 32\n')).toBe(
      'config.pbtxt.bak.1',
    );
    expect(readFileSync(join(repo, 'm', 'config.pbtxt.bak.1'), 'utf8')).toBe('max_batch_size: 16\n');
  });

  it('checks before measuring that --write-config has a model folder to write into', () => {
    const opts = (model: string) =>
      resolveTuneOptions({ model, modelRepositories: [repo], writeConfig: true });
    expect(writableModel(opts('m'))!.configPath).toBe(join(realpathSync(repo), 'm', 'config.pbtxt'));
    const err = serverErrorOf(() => writableModel(opts('absent')));
    expect(err.code).toBe('ERR_TUNE_WRITE_CONFIG');
    expect(err.message).toBe(
      "Cannot write the config of model 'absent': no repository given with --model-repository has a folder of that name",
    );
    expect(writableModel(resolveTuneOptions({ model: 'absent', modelRepositories: [repo] }))).toBeNull();
  });

  it('refuses a model name that is a path and a model folder that leaves its repository', () => {
    expect(serverErrorOf(() => findRepositoryModel([repo], '../m')).code).toBe('ERR_MODEL_NAME');
    symlinkSync(outside, join(repo, 'escape'));
    const err = serverErrorOf(() => findRepositoryModel([repo], 'escape'));
    expect(err.code).toBe('ERR_TUNE_WRITE_CONFIG');
    expect(err.message).toBe(
      "Model folder 'escape' is not a directory inside its repository: it cannot be tuned in place",
    );
    expect(findRepositoryModel([repo], 'absent')).toBeNull();
  });
});
