// Child process of memory.test.ts (run with --expose-gc from the built dist/): starts a real server
// (core + HTTP frontend on port 0) in explicit mode over the repository given as argv[2], then
// loads, infers on and unloads model argv[3] argv[4] times through the project's HTTP client,
// printing one JSON line with the resident set size (bytes) after each cycle.

import { HttpClient, InferInput } from '../../../dist/src/client/index.js';
import { silentLogger } from '../../../dist/src/common/logger.js';
import { InferenceServer } from '../../../dist/src/core/index.js';
import { HttpFrontend } from '../../../dist/src/frontends/index.js';

const [repository, model, cyclesText] = process.argv.slice(2);
const cycles = Number(cyclesText);
const server = await InferenceServer.start({
  modelRepositories: [repository],
  modelControlMode: 'explicit',
  logger: silentLogger,
});
const http = new HttpFrontend(server, { port: 0, address: '127.0.0.1' });
const { port } = await http.listen();
const client = new HttpClient(`http://127.0.0.1:${port}`);
const input = InferInput.fromValues('x', 'FP32', [1, 3, 48, 192], new Float32Array(3 * 48 * 192).fill(0.5));

function settle() {
  for (let i = 0; i < 4; i++) globalThis.gc();
}

const rss = [];
for (let i = 0; i < cycles; i++) {
  await client.loadModel(model);
  await client.infer(model, [input]);
  await client.unloadModel(model);
  settle();
  await new Promise((r) => setTimeout(r, 20));
  settle();
  rss.push(process.memoryUsage().rss);
}
await client.close();
await http.close();
await server.shutdown();
process.stdout.write(`${JSON.stringify({ rss })}\n`);
