/**
 * A temporary repository with one JavaScript model, `paced`, whose every execution waits 200 ms
 * (a timer, not CPU) and then echoes its FP32 input: an instance runs at most 5 batches a second,
 * and the CPU a request costs (tens of ms on a machine shared by many tests) is small beside the
 * wait, so its best configuration hardly depends on what else runs — at concurrency 16, dynamic
 * batching (max_batch_size 8) multiplies throughput by about 8 and a second instance doubles it.
 * The tune e2e tests search over it to check behaviour on a noisy machine.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** How long one execution of `paced` waits, ms. */
export const PACED_EXECUTION_MS = 200;

const CONFIG = `name: "paced"
backend: "javascript"
max_batch_size: 8
input [ { name: "X" data_type: TYPE_FP32 dims: [ 4 ] } ]
output [ { name: "Y" data_type: TYPE_FP32 dims: [ 4 ] } ]
instance_group [ { kind: KIND_CPU count: 1 } ]
`;

function modelSource(apiUrl: string): string {
  return `import { renameTensor } from '${apiUrl}';
import { setTimeout as sleep } from 'node:timers/promises';

export default class Paced {
  async execute(requests) {
    await sleep(${PACED_EXECUTION_MS});
    return requests.map((request) => [renameTensor(request.input('X'), 'Y')]);
  }
}
`;
}

/** Writes the repository into a new temporary directory and returns the directory. */
export function writePacedRepository(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nereid-tune-paced-'));
  const api = pathToFileURL(new URL('../../../dist/src/backends/js/api.js', import.meta.url).pathname).href;
  mkdirSync(join(dir, 'paced', '1'), { recursive: true });
  writeFileSync(join(dir, 'paced', 'config.pbtxt'), CONFIG);
  writeFileSync(join(dir, 'paced', '1', 'model.js'), modelSource(api));
  return dir;
}
