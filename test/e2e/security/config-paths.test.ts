/**
 * E2E (issue 19, high): every path a model config names stays inside its directory, whether the
 * config comes from a load request's override or from the repository: label files, the model
 * file, warm-up data. Lexical escapes (`..`, absolute) are refused with the config field named;
 * symbolic links that lead out are refused after realpath; links that stay inside still work; and
 * no answer reveals the server's absolute paths or whether a file outside exists.
 */
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferInput } from '../../../src/client/index.js';
import {
  type ManagedServer,
  rejection,
  simpleConfig,
  simpleInputs,
  startManagedServer,
  TempRepository,
} from '../model-management/management-fixtures.js';

let repo: TempRepository;
let s: ManagedServer;

const LABELS = (file: string) =>
  simpleConfig(8).replace(
    'output [ { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ 16 ] }',
    `output [ { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ 16 ] label_filename: "${file}" }`,
  );

/** The JSON config override of a `simple` copy, with `extra` fields. */
function override(extra: Record<string, unknown>): Record<string, unknown> {
  return {
    backend: 'onnxruntime',
    max_batch_size: 8,
    input: [
      { name: 'INPUT0', data_type: 'TYPE_INT32', dims: [16] },
      { name: 'INPUT1', data_type: 'TYPE_INT32', dims: [16] },
    ],
    output: [
      { name: 'OUTPUT0', data_type: 'TYPE_INT32', dims: [16] },
      { name: 'OUTPUT1', data_type: 'TYPE_INT32', dims: [16] },
    ],
    ...extra,
  };
}

beforeAll(async () => {
  repo = new TempRepository()
    .model('plain', [1], simpleConfig(8))
    .model('escape_link', [1], LABELS('labels.txt'))
    .model('inner_link', [1], LABELS('labels.txt'))
    .model('model_link', [1], simpleConfig(8))
    .model('missing_file', [], simpleConfig(8));
  // A label file that is a link to a file outside the model directory.
  symlinkSync('/etc/hostname', join(repo.dir, 'escape_link', 'labels.txt'));
  // A link that stays inside the model directory is fine.
  writeFileSync(
    join(repo.dir, 'inner_link', 'real-labels.txt'),
    `${Array.from({ length: 16 }, (_, i) => `L${i}`).join('\n')}\n`,
  );
  symlinkSync('real-labels.txt', join(repo.dir, 'inner_link', 'labels.txt'));
  // A model file that is a link out of its version directory.
  mkdirSync(join(repo.dir, 'missing_file', '1'));
  rmSync(join(repo.dir, 'model_link', '1', 'model.onnx'));
  symlinkSync(join(repo.dir, 'plain', '1', 'model.onnx'), join(repo.dir, 'model_link', '1', 'model.onnx'));
  s = await startManagedServer([repo.dir], { modelControlMode: 'explicit' });
});

afterAll(async () => {
  await s?.close();
  repo?.remove();
});

describe('paths named by a config', () => {
  it('a label_filename override that climbs out is refused naming the field, the same way whether the file exists or not', async () => {
    const answers: string[] = [];
    for (const file of ['../../../../etc/passwd', '../../../../etc/no-such-file', '/etc/passwd']) {
      const output = [{ name: 'OUTPUT0', data_type: 'TYPE_INT32', dims: [16], label_filename: file }];
      const err = await rejection(s.http.loadModel('plain', { config: override({ output }) }));
      expect(err.httpStatus).toBe(400);
      expect(err.message).toContain(
        `output[0].label_filename must be a relative path inside its directory: received ${JSON.stringify(file)}`,
      );
      expect(err.message).not.toContain('root:');
      answers.push(err.message.replace(JSON.stringify(file), 'FILE'));
    }
    expect(answers[0]).toBe(answers[1]);
  });

  it('a label file that is a symbolic link out of the model directory fails the load; a link inside it serves labels', async () => {
    const err = await rejection(s.http.loadModel('escape_link'));
    expect(err.httpStatus).toBe(400);
    expect(err.message).toBe(
      `failed to load 'escape_link': label file of output 'OUTPUT0': output[0].label_filename "labels.txt" resolves outside its directory (through a symbolic link)`,
    );
    await s.http.loadModel('inner_link');
    const result = await s.http.infer('inner_link', simpleInputs(0), {
      outputs: [{ name: 'OUTPUT0', classCount: 1 }],
    });
    expect(result.outputAsStrings('OUTPUT0')[0]).toBe('15:15:L15');
  });

  it('a default_model_filename that climbs out or is absolute is refused before anything is loaded', async () => {
    for (const file of ['../../x.js', '/etc/passwd', '1/../../../x.onnx']) {
      const err = await rejection(
        s.http.loadModel('plain', { config: override({ default_model_filename: file }) }),
      );
      expect(err.httpStatus).toBe(400);
      expect(err.message).toMatch(
        /^failed to load 'plain': default_model_filename must be a relative path inside the version directory/,
      );
    }
  });

  it('a model file that is a link out of its version directory is refused', async () => {
    const err = await rejection(s.http.loadModel('model_link'));
    expect(err.message).toBe(
      `failed to load 'model_link': version 1: default_model_filename "model.onnx" resolves outside its directory (through a symbolic link)`,
    );
  });

  it('a warm-up input_data_file that climbs out is refused naming the field, with no server path in the answer', async () => {
    for (const file of ['../../../../etc/passwd', '../../../../etc/no-such-file']) {
      const model_warmup = [
        {
          name: 'w',
          batch_size: 1,
          inputs: {
            INPUT0: { data_type: 'TYPE_INT32', dims: [16], input_data_file: file },
            INPUT1: { data_type: 'TYPE_INT32', dims: [16], zero_data: true },
          },
        },
      ];
      const err = await rejection(s.http.loadModel('plain', { config: override({ model_warmup }) }));
      expect(err.httpStatus).toBe(400);
      expect(err.message).toContain(
        `model_warmup[0].inputs["INPUT0"].input_data_file must be a relative path inside its directory: received ${JSON.stringify(file)} (it contains a '..' segment)`,
      );
      expect(err.message).not.toContain(repo.dir);
    }
    // The model still loads and serves with a plain load afterwards.
    await s.http.loadModel('plain');
    const sum = (
      await s.http.infer('plain', [
        InferInput.fromValues('INPUT0', 'INT32', [1, 16], new Int32Array(16).fill(2)),
        InferInput.fromValues('INPUT1', 'INT32', [1, 16], new Int32Array(16).fill(3)),
      ])
    ).output<Int32Array>('OUTPUT0');
    expect(sum[0]).toBe(5);
  });

  it('load errors name paths relative to the repository, never the server directory', async () => {
    const err = await rejection(s.http.loadModel('missing_file'));
    expect(err.message).toBe(
      `failed to load 'missing_file': version 1: default_model_filename "model.onnx" does not exist`,
    );
    const index = await s.http.repositoryIndex();
    for (const row of index) expect(row.reason ?? '').not.toContain(repo.dir);
  });
});
