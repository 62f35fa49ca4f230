/**
 * Model repository for the response-cache e2e tests, in a temporary directory: `simple` (the
 * bundled example, uncached), `simple_cached` (the same model with `response_cache { enable:
 * true }`), `identity_cached` (an FP32 Identity with dims [-1, -1], cached: the same bytes in
 * different shapes) and `repeat_cached` (the decoupled `repeat_int32` JavaScript model, cached).
 */
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OnnxGraphBuilder } from '../../../src/tools/onnx/index.js';
import { EXAMPLES_REPOSITORY } from '../../helpers/test-server.js';

/** A temporary repository; `remove()` deletes it. */
export interface CacheRepository {
  /** Repository directory. */
  dir: string;
  /** Deletes the directory. */
  remove(): void;
}

/** Copies example `from` as `to` with its name changed and the response cache enabled. */
function cachedCopy(dir: string, from: string, to: string, file: string): void {
  mkdirSync(join(dir, to, '1'), { recursive: true });
  copyFileSync(join(EXAMPLES_REPOSITORY, from, '1', file), join(dir, to, '1', file));
  const config = readFileSync(join(EXAMPLES_REPOSITORY, from, 'config.pbtxt'), 'utf8').replace(
    `name: "${from}"`,
    `name: "${to}"`,
  );
  writeFileSync(join(dir, to, 'config.pbtxt'), `${config}\nresponse_cache { enable: true }\n`);
}

function identityModel(dir: string): void {
  const b = new OnnxGraphBuilder({ graphName: 'identity_cached' });
  b.input('X', 'float32', ['a', 'b']);
  b.node('Identity', ['X'], ['Y']);
  b.output('Y', 'float32', ['a', 'b']);
  mkdirSync(join(dir, 'identity_cached', '1'), { recursive: true });
  writeFileSync(join(dir, 'identity_cached', '1', 'model.onnx'), b.toBytes());
  writeFileSync(
    join(dir, 'identity_cached', 'config.pbtxt'),
    `name: "identity_cached"
backend: "onnxruntime"
max_batch_size: 0
input [ { name: "X" data_type: TYPE_FP32 dims: [ -1, -1 ] } ]
output [ { name: "Y" data_type: TYPE_FP32 dims: [ -1, -1 ] } ]
instance_group [ { kind: KIND_CPU count: 1 } ]
response_cache { enable: true }
`,
  );
}

/** Writes the cache test repository. */
export function writeCacheRepository(): CacheRepository {
  const dir = mkdtempSync(join(tmpdir(), 'nereid-cache-'));
  symlinkSync(join(EXAMPLES_REPOSITORY, 'simple'), join(dir, 'simple'), 'dir');
  cachedCopy(dir, 'simple', 'simple_cached', 'model.onnx');
  cachedCopy(dir, 'repeat_int32', 'repeat_cached', 'model.js');
  identityModel(dir);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
