/**
 * E2E: model-to-model (BLS) calls in the JSON trace file. A JavaScript model serving a traced
 * request calls `simple` passing its request's trace: the call is written as a child trace with
 * Triton's `parent_id`, its timestamps inside the caller's compute; a call that does not pass the
 * trace is not traced, and nothing stays held once the requests ended.
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../../src/client/index.js';
import { TraceLevel } from '../../../src/core/index.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import type { TempRepository } from '../js-backend/js-repository.js';
import { CORE_ACTIVITIES, simpleInputs, traceTestRepository } from './trace-fixtures.js';

const traceFile = join(tmpdir(), `nereid-bls-trace-${process.pid}.json`);
let repo: TempRepository;
let t: TestServer;
let http: HttpClient;
let closed = false;

beforeAll(async () => {
  repo = traceTestRepository();
  t = await startTestServer({
    modelRepositories: [repo.dir],
    trace: { file: traceFile, level: TraceLevel.TIMESTAMPS, rate: 1 },
  });
  http = new HttpClient(t.baseUrl);
}, 120_000);

afterAll(async () => {
  await http?.close();
  if (!closed) await t?.close();
  repo?.remove();
  rmSync(traceFile, { force: true });
});

describe('BLS calls in the JSON trace file', () => {
  it('A call a JavaScript model makes with its request trace is a child trace with parent_id, inside the caller compute', async () => {
    const result = await http.infer('bls_traced', simpleInputs(), { requestId: 'caller' });
    expect(Array.from(result.output<Int32Array>('OUTPUT0'))).toEqual(
      Array.from({ length: 16 }, (_, i) => i + 1),
    );
    expect(t.server.tracer.liveTraceCount).toBe(0);
    closed = true;
    await t.close();

    const entries = JSON.parse(readFileSync(traceFile, 'utf8')) as Record<string, unknown>[];
    const heads = entries.filter((e) => 'model_name' in e);
    const stampsOf = (id: unknown) =>
      new Map(
        entries
          .filter((e) => e.id === id && 'timestamps' in e)
          .map((e) => (e.timestamps as { name: string; ns: number }[])[0]!)
          .map((s) => [s.name, s.ns]),
      );
    // The untraced call (request id 'bls-untraced') is not in the file.
    expect(heads.map((h) => [h.model_name, h.request_id])).toEqual([
      ['bls_traced', 'caller'],
      ['simple', 'bls-child'],
    ]);
    const [caller, child] = heads;
    expect(caller).not.toHaveProperty('parent_id');
    expect(child).toMatchObject({ parent_id: caller!.id, model_version: 1 });
    const childStamps = stampsOf(child!.id);
    expect([...childStamps.keys()]).toEqual(CORE_ACTIVITIES);
    const callerStamps = stampsOf(caller!.id);
    expect(childStamps.get('REQUEST_START')!).toBeGreaterThanOrEqual(callerStamps.get('COMPUTE_START')!);
    expect(childStamps.get('REQUEST_END')!).toBeLessThanOrEqual(callerStamps.get('COMPUTE_END')!);
  });
});
