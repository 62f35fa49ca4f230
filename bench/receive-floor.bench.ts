/**
 * The main thread's CPU per request of a bare node:http server that only receives a body and answers
 * 15 bytes: the floor under any server's cost of taking in a request body (issue 27). Bodies:
 * text_orientation's pseudo-image as KServe v2 JSON (543 KB, as bench:json sends it) and as binary
 * tensors (111 KB). Concurrency 16, 3 alternated rounds × 3 s, medians.
 *
 * Run: `npm run bench:receive-floor`.
 */

import { CpuMeter } from './lib/cpu-accounting.js';
import { imageRequests } from './lib/image-requests.js';
import { median, runInferLoad } from './lib/load-generator.js';
import { startBareHttp } from './lib/server-process.js';

const bodies = imageRequests();
const bare = await startBareHttp(Buffer.from('{"outputs":[]}'), { 'Content-Type': 'application/json' });
const mainUs: Record<string, number[]> = { json: [], binary: [] };
try {
  for (let round = 0; round < 3; round++) {
    for (const [name, request] of Object.entries(bodies)) {
      const meter = new CpuMeter(bare.child.pid!);
      const load = await runInferLoad(bare.port, 'x', request, {
        concurrency: 16,
        threads: 2,
        warmupMs: 300,
        durationMs: 3000,
      });
      mainUs[name]!.push(meter.stop(load.totalRequests).serverMainUs);
    }
  }
} finally {
  await bare.stop();
}
const json = median(mainUs.json!);
const binary = median(mainUs.binary!);
console.log(`bodies: JSON ${bodies.json.body.length} bytes, binary ${bodies.binary.body.length} bytes`);
console.log(
  `bare node:http main-thread CPU per request: JSON ${json.toFixed(0)} µs, binary ${binary.toFixed(0)} µs, ratio ${(json / binary).toFixed(2)}`,
);
