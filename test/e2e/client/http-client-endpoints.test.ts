/**
 * E2E: every non-inference HttpClient call against a real server on the bundled examples —
 * health, readiness, server and model metadata, config, statistics, repository index, load and
 * unload (refused in model control mode 'none'), generate and generate_stream (not served yet) —
 * each answer compared with what the server's core reports, each error as InferenceServerError.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, Status, tensor } from '../../../src/client/index.js';
import { rejection } from '../../helpers/rejection.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

let t: TestServer;
let client: HttpClient;

beforeAll(async () => {
  t = await startTestServer();
  client = new HttpClient(t.baseUrl.replace('http://', ''), { headers: { 'x-test': '1' } });
});

afterAll(async () => {
  await client?.close();
  await t?.close();
});

describe('HttpClient health and metadata', () => {
  it('HttpClient reports the server live and ready', async () => {
    expect(await client.isServerLive()).toBe(true);
    expect(await client.isServerReady()).toBe(true);
  });

  it('HttpClient reports model readiness per model and version', async () => {
    expect(await client.isModelReady('simple')).toBe(true);
    expect(await client.isModelReady('simple', '1')).toBe(true);
    expect(await client.isModelReady('simple', '7')).toBe(false);
    expect(await client.isModelReady('nope')).toBe(false);
  });

  it('HttpClient returns server metadata as the core reports it', async () => {
    expect(await client.serverMetadata()).toEqual(t.server.serverMetadata());
  });

  it('HttpClient returns model metadata with the batch dimension', async () => {
    const metadata = await client.modelMetadata('simple');
    expect(metadata).toEqual(t.server.modelMetadata('simple', ''));
    expect(metadata.inputs[0]).toEqual({ name: 'INPUT0', datatype: 'INT32', shape: [-1, 16] });
    expect((await client.modelMetadata('simple', '1')).versions).toEqual(['1']);
  });

  it("HttpClient rejects metadata of an unknown model with NOT_FOUND and Triton's message", async () => {
    const err = await rejection(client.modelMetadata('nope'));
    expect(err.status).toBe(Status.NOT_FOUND);
    expect(err.httpStatus).toBe(404);
    expect(err.message).toBe("Request for unknown model: 'nope' is not found");
  });

  it("HttpClient returns the model config in Triton's JSON form", async () => {
    const config = await client.modelConfig('text_orientation');
    expect(config.name).toBe('text_orientation');
    expect(config.max_batch_size).toBe(8);
    expect(config.output[0]).toMatchObject({ name: 'softmax_0.tmp_0', label_filename: 'labels.txt' });
    expect(config.instance_group[0].kind).toBe('KIND_CPU');
  });
});

describe('HttpClient statistics and repository', () => {
  it('HttpClient returns statistics that count its own inferences', async () => {
    const before = (await client.modelStatistics('custom_identity_int32')).model_stats[0]!;
    await client.infer('custom_identity_int32', [
      tensor('INPUT0', 'INT32', [2, 2], new Int32Array([1, 2, 3, 4])),
    ]);
    const after = (await client.modelStatistics('custom_identity_int32', '1')).model_stats[0]!;
    expect(after.name).toBe('custom_identity_int32');
    expect(after.version).toBe('1');
    expect(after.inference_count).toBe(before.inference_count + 2);
    expect(after.inference_stats.success!.count).toBe(before.inference_stats.success!.count + 1);
    const all = await client.modelStatistics();
    expect(all.model_stats.map((s) => s.name).sort()).toEqual(
      t.server
        .repositoryIndex(false)
        .map((e) => e.name)
        .sort(),
    );
  });

  it('HttpClient returns the repository index as the core reports it', async () => {
    expect(await client.repositoryIndex()).toEqual(t.server.repositoryIndex(false));
    expect(await client.repositoryIndex({ ready: true })).toEqual(t.server.repositoryIndex(true));
  });

  it('HttpClient surfaces the refusal of load and unload in model control mode none', async () => {
    const load = await rejection(client.loadModel('simple', { config: { max_batch_size: 4 } }));
    expect(load.status).toBe(Status.UNAVAILABLE);
    expect(load.httpStatus).toBe(503);
    expect(load.message).toBe('explicit model load / unload is not allowed if polling is enabled');
    const unload = await rejection(client.unloadModel('simple', { unloadDependents: true }));
    expect(unload.status).toBe(Status.UNAVAILABLE);
    expect(await client.isModelReady('simple')).toBe(true);
  });
});

describe('HttpClient generate', () => {
  it('HttpClient generates on an ordinary model and surfaces generate errors with their status', async () => {
    const ones = new Array(16).fill(1);
    const twos = new Array(16).fill(2);
    const answer = (await client.generate('simple', { INPUT0: ones, INPUT1: twos })) as Record<
      string,
      unknown
    >;
    expect(answer.model_name).toBe('simple');
    expect(answer.OUTPUT0).toEqual(new Array(16).fill(3));
    const events: unknown[] = [];
    for await (const event of client.generateStream('simple', { INPUT0: ones, INPUT1: twos }))
      events.push(event);
    expect(events).toHaveLength(1);
    // A body that does not provide the model's inputs is refused before any event is written.
    const once = await rejection(client.generate('simple', { text_input: 'hi' }));
    expect(once.status).toBe(Status.INVALID_ARG);
    expect(once.httpStatus).toBe(400);
    const streamed = await rejection(client.generateStream('simple', { text_input: 'hi' }).next());
    expect(streamed.httpStatus).toBe(400);
    expect(streamed.message).toBe(once.message);
  });
});
