/**
 * THE COMPARISON, not Nereid: the naive KServe v2 JSON server a user would write in a few dozen
 * lines (fastify + onnxruntime-node, one ORT session per process, fastify's JSON body parser,
 * `Float32Array.from(data)`, no batching), for bench:json. With `--processes N` it runs under
 * node:cluster with N processes sharing the port. It prints `LISTENING <port>` once every process
 * listens.
 *
 *   node naive-comparison-server.js <model.onnx> <model name> [--processes N]
 */
import cluster from 'node:cluster';
import Fastify from 'fastify';
import * as ort from 'onnxruntime-node';

interface KserveInput {
  name: string;
  shape: number[];
  datatype: string;
  data: number[];
}

const [modelPath, modelName] = process.argv.slice(2);
const processes = Number(process.argv[process.argv.indexOf('--processes') + 1] || 1);
if (modelPath === undefined || modelName === undefined) throw new Error('usage: <model.onnx> <model name>');

async function serve(port: number): Promise<number> {
  const session = await ort.InferenceSession.create(modelPath!);
  const app = Fastify({ bodyLimit: 64 * 1024 * 1024 });
  app.post(`/v2/models/${modelName}/infer`, async (request) => {
    const body = request.body as { id?: string; inputs: KserveInput[] };
    const feeds: Record<string, ort.Tensor> = {};
    for (const input of body.inputs) {
      feeds[input.name] = new ort.Tensor(
        'float32',
        Float32Array.from(input.data.flat(8) as number[]),
        input.shape,
      );
    }
    const results = await session.run(feeds);
    return {
      model_name: modelName,
      id: body.id,
      outputs: Object.entries(results).map(([name, t]) => ({
        name,
        datatype: 'FP32',
        shape: t.dims,
        data: Array.from(t.data as Float32Array),
      })),
    };
  });
  await app.listen({ port, host: '127.0.0.1' });
  const address = app.server.address();
  return typeof address === 'object' && address !== null ? address.port : port;
}

if (processes <= 1) {
  const port = await serve(0);
  console.log(`LISTENING ${port}`);
} else if (cluster.isPrimary) {
  // Workers share the primary's listening handle: pick a free port first, then fork.
  const probe = Fastify();
  await probe.listen({ port: 0, host: '127.0.0.1' });
  const address = probe.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await probe.close();
  let listening = 0;
  for (let i = 0; i < processes; i++) {
    const worker = cluster.fork({ NAIVE_PORT: String(port) });
    worker.on('message', () => {
      listening++;
      if (listening === processes) console.log(`LISTENING ${port}`);
    });
  }
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill();
    process.exit(0);
  });
} else {
  await serve(Number(process.env.NAIVE_PORT));
  process.send?.('listening');
}
