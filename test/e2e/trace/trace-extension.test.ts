/**
 * E2E: the trace extension in triton mode against a real server (HTTP and gRPC frontends, real
 * models) with the project's clients. perf_analyzer's `--trace-level/--trace-rate/--trace-count/
 * --log-frequency` become exactly the calls it makes (HTTP `POST v2/trace/setting` with lists of
 * strings, gRPC TraceSetting with `SettingValue{value: [...]}`); model settings follow the global
 * one until given their own values; the JSON trace file has Triton's timestamp names in order and
 * an ensemble's steps as children (`parent_id`), so Triton's trace tools read it.
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcClient, HttpClient, Status } from '../../../src/client/index.js';
import { rejection } from '../../helpers/rejection.js';
import { startTestGrpcServer, type TestGrpcServer } from '../../helpers/test-grpc-server.js';
import { exampleSubset } from '../../helpers/test-server.js';
import { CORE_ACTIVITIES, ensembleInputs, simpleInputs, TRACE_TEST_MODELS } from './trace-fixtures.js';

const traceFile = join(tmpdir(), `nereid-trace-${process.pid}.json`);
let repo: ReturnType<typeof exampleSubset>;
let t: TestGrpcServer;
let http: HttpClient;
let grpc: GrpcClient;
let closed = false;

beforeAll(async () => {
  repo = exampleSubset(TRACE_TEST_MODELS);
  t = await startTestGrpcServer({ modelRepositories: [repo.dir], trace: { file: traceFile } });
  http = new HttpClient(t.baseUrl);
  grpc = new GrpcClient(t.grpcAddress);
}, 120_000);

afterAll(async () => {
  grpc?.close();
  await http?.close();
  if (!closed) await t?.close();
  repo?.remove();
  rmSync(traceFile, { force: true });
});

/** What `perf_analyzer --trace-level TIMESTAMPS --trace-rate R --trace-count C --log-frequency 0` sends. */
const perfAnalyzerSettings = (rate: string, count: string) => ({
  trace_level: ['TIMESTAMPS'],
  trace_rate: rate,
  trace_count: count,
  log_frequency: '0',
});

describe('Trace settings as perf_analyzer sets them', () => {
  it('The global trace setting starts OFF with Triton defaults and names the trace file', async () => {
    expect(await http.getTraceSettings()).toEqual({
      trace_level: ['OFF'],
      trace_rate: '1000',
      trace_count: '-1',
      log_frequency: '0',
      trace_file: traceFile,
      trace_mode: 'triton',
    });
  });

  it('HTTP POST v2/trace/setting with perf_analyzer lists of strings turns tracing on and answers every setting', async () => {
    expect(await http.updateTraceSettings(perfAnalyzerSettings('1000', '-1'))).toEqual({
      trace_level: ['TIMESTAMPS'],
      trace_rate: '1000',
      trace_count: '-1',
      log_frequency: '0',
      trace_file: traceFile,
      trace_mode: 'triton',
    });
    const raw = await fetch(`${t.baseUrl}/v2/trace/setting`, {
      method: 'POST',
      body: JSON.stringify({ trace_level: ['TIMESTAMPS'], trace_rate: '7' }),
    });
    expect(raw.status).toBe(200);
    expect(await raw.json()).toMatchObject({ trace_level: ['TIMESTAMPS'], trace_rate: '7' });
  });

  it('gRPC TraceSetting with SettingValue lists changes the same global setting', async () => {
    const answer = await grpc.updateTraceSettings(perfAnalyzerSettings('1', '-1'));
    expect(answer).toEqual({
      trace_level: ['TIMESTAMPS'],
      trace_rate: '1',
      trace_count: '-1',
      log_frequency: '0',
      trace_file: traceFile,
      trace_mode: 'triton',
    });
    expect(await http.getTraceSettings()).toEqual(answer);
  });

  it('A model setting keeps its own values, follows the global ones for the rest, and null clears it', async () => {
    const own = await http.updateTraceSettings({ trace_rate: '5' }, { model: 'simple' });
    expect(own).toMatchObject({ trace_level: ['TIMESTAMPS'], trace_rate: '5' });
    await grpc.updateTraceSettings({ trace_count: '100' });
    expect(await grpc.getTraceSettings({ model: 'simple' })).toMatchObject({
      trace_rate: '5',
      trace_count: '100',
    });
    expect(await http.getTraceSettings()).toMatchObject({ trace_rate: '1', trace_count: '100' });
    const cleared = await http.updateTraceSettings({ trace_rate: null }, { model: 'simple' });
    expect(cleared).toMatchObject({ trace_rate: '1', trace_count: '100' });
    await http.updateTraceSettings({ trace_count: '-1' });
  });

  it('Bad trace settings answer 400 or 501 with what was wrong, and change nothing', async () => {
    const before = await http.getTraceSettings();
    const level = await rejection(http.updateTraceSettings({ trace_level: ['VERBOSE'] }));
    expect(level.httpStatus).toBe(400);
    expect(level.message).toBe("trace_level must be OFF, TIMESTAMPS or TENSORS: received 'VERBOSE'");
    const rate = await rejection(grpc.updateTraceSettings({ trace_rate: 'fast' }));
    expect(rate.status).toBe(Status.INVALID_ARG);
    expect(rate.message).toContain("trace_rate must be an integer in [1, 4294967295]: received 'fast'");
    const file = await rejection(http.updateTraceSettings({ trace_file: '/etc/passwd' }));
    expect(file.httpStatus).toBe(501);
    expect(file.message).toContain("Trace setting 'trace_file' cannot be changed through the trace API");
    const model = await rejection(http.getTraceSettings({ model: 'nope' }));
    expect(model.httpStatus).toBe(404);
    const body = await fetch(`${t.baseUrl}/v2/trace/setting`, { method: 'POST', body: '{"trace_rate": 5}' });
    expect(body.status).toBe(400);
    expect(await http.getTraceSettings()).toEqual(before);
  });
});

describe('The JSON trace file', () => {
  it('Records every request at rate 1 with Triton timestamp names in order, ensemble steps as children, and is a JSON array once the server stops', async () => {
    await http.updateTraceSettings(perfAnalyzerSettings('1', '-1'));
    await http.infer('simple', simpleInputs(), { requestId: 'http-1' });
    await grpc.infer('simple', simpleInputs(), { requestId: 'grpc-1' });
    await http.infer('text_orientation_image', await ensembleInputs());
    await http.updateTraceSettings({ trace_level: ['OFF'] });
    await http.infer('simple', simpleInputs(), { requestId: 'untraced' });
    closed = true;
    await t.close();

    const entries = JSON.parse(readFileSync(traceFile, 'utf8')) as Record<string, unknown>[];
    const heads = entries.filter((e) => 'model_name' in e);
    const stampsOf = (id: unknown) =>
      entries
        .filter((e) => e.id === id && 'timestamps' in e)
        .map((e) => (e.timestamps as { name: string; ns: number }[])[0]!);
    const names = (id: unknown) => stampsOf(id).map((s) => s.name);
    expect(heads.map((h) => h.model_name)).toEqual([
      'simple',
      'simple',
      'text_orientation_image',
      'image_preprocess',
      'text_orientation',
    ]);
    expect(heads.some((h) => h.request_id === 'untraced')).toBe(false);

    const [httpHead, grpcHead, ensemble, pre, cls] = heads;
    expect(httpHead).toMatchObject({ model_version: 1, request_id: 'http-1' });
    expect(names(httpHead!.id)).toEqual([
      'HTTP_RECV_START',
      'HTTP_RECV_END',
      ...CORE_ACTIVITIES,
      'HTTP_SEND_START',
      'HTTP_SEND_END',
    ]);
    expect(grpcHead).toMatchObject({ request_id: 'grpc-1' });
    expect(names(grpcHead!.id)).toEqual([
      'GRPC_WAITREAD_START',
      'GRPC_WAITREAD_END',
      ...CORE_ACTIVITIES,
      'GRPC_SEND_START',
      'GRPC_SEND_END',
    ]);
    // The ensemble itself has no compute; each step is a child trace with its own.
    expect(names(ensemble!.id)).toEqual([
      'HTTP_RECV_START',
      'HTTP_RECV_END',
      'REQUEST_START',
      'QUEUE_START',
      'REQUEST_END',
      'HTTP_SEND_START',
      'HTTP_SEND_END',
    ]);
    expect(ensemble).not.toHaveProperty('parent_id');
    for (const step of [pre!, cls!]) {
      expect(step.parent_id).toBe(ensemble!.id);
      expect(names(step.id)).toContain('COMPUTE_START');
    }
    for (const head of heads) {
      const ns = stampsOf(head.id).map((s) => s.ns);
      expect(ns).toEqual([...ns].sort((a, b) => a - b));
    }
    const ensembleStamps = stampsOf(ensemble!.id);
    const clsStamps = stampsOf(cls!.id);
    expect(clsStamps[0]!.ns).toBeGreaterThanOrEqual(
      ensembleStamps.find((s) => s.name === 'REQUEST_START')!.ns,
    );
    expect(clsStamps.at(-1)!.ns).toBeLessThanOrEqual(
      ensembleStamps.find((s) => s.name === 'REQUEST_END')!.ns,
    );
  });
});
