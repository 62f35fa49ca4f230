/**
 * E2E: OpenTelemetry mode. A real OTLP/HTTP receiver listens on loopback in the test; the server
 * (`mode=opentelemetry`, its url pointing there) exports spans with the OpenTelemetry SDK's OTLP
 * exporter. Checked on what arrives: a W3C `traceparent` sent as an HTTP header or as gRPC
 * metadata becomes the parent of the request's spans (and forces sampling, as in Triton), an
 * ensemble's steps are child spans of the ensemble's span, each with its compute span, and a call
 * a JavaScript model makes with its request's trace (BLS) is a child span of that model's span.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GrpcClient, HttpClient } from '../../../src/client/index.js';
import { TraceLevel } from '../../../src/core/index.js';
import { startTestGrpcServer, type TestGrpcServer } from '../../helpers/test-grpc-server.js';
import type { TempRepository } from '../js-backend/js-repository.js';
import { ensembleInputs, simpleInputs, traceTestRepository } from './trace-fixtures.js';

/** One span as OTLP/HTTP JSON carries it. */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: { key: string; value: Record<string, unknown> }[];
  events?: { name: string }[];
}

const spans: OtlpSpan[] = [];
const exportPaths: string[] = [];
let receiver: Server;
let repo: TempRepository;
let t: TestGrpcServer;
let http: HttpClient;
let grpc: GrpcClient;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      exportPaths.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[];
      };
      for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/traces`;
  repo = traceTestRepository();
  t = await startTestGrpcServer({
    modelRepositories: [repo.dir],
    trace: {
      mode: 'opentelemetry',
      level: TraceLevel.TIMESTAMPS,
      rate: 1000,
      opentelemetry: { url, scheduleDelayMs: 50, resource: { 'deployment.environment': 'test' } },
    },
  });
  http = new HttpClient(t.baseUrl);
  grpc = new GrpcClient(t.grpcAddress);
}, 120_000);

afterAll(async () => {
  grpc?.close();
  await http?.close();
  await t?.close();
  repo?.remove();
  await new Promise((resolve) => receiver?.close(resolve));
});

const attr = (span: OtlpSpan, key: string) => {
  const v = span.attributes?.find((a) => a.key === key)?.value;
  return v === undefined ? undefined : Object.values(v)[0];
};

/** Waits until spans of trace `traceId` named `names` arrived; returns them by name. */
async function spansOf(traceId: string, names: string[]): Promise<Map<string, OtlpSpan>> {
  await vi.waitFor(
    () => {
      const have = spans.filter((s) => s.traceId === traceId).map((s) => s.name);
      for (const n of names) expect(have).toContain(n);
    },
    { timeout: 15_000, interval: 50 },
  );
  return new Map(spans.filter((s) => s.traceId === traceId).map((s) => [s.name, s]));
}

describe('OpenTelemetry spans over OTLP', () => {
  it('An HTTP traceparent header parents the request spans and forces sampling at rate 1000', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parent = '00f067aa0ba902b7';
    await http.infer('simple', simpleInputs(), { headers: { traceparent: `00-${traceId}-${parent}-01` } });
    const got = await spansOf(traceId, ['InferRequest', 'simple', 'compute']);
    const root = got.get('InferRequest')!;
    expect(root.parentSpanId).toBe(parent);
    expect(root.events?.map((e) => e.name)).toEqual([
      'HTTP_RECV_START',
      'HTTP_RECV_END',
      'HTTP_SEND_START',
      'HTTP_SEND_END',
    ]);
    const model = got.get('simple')!;
    expect(model.parentSpanId).toBe(root.spanId);
    expect(attr(model, 'triton.model_name')).toBe('simple');
    expect(Number(attr(model, 'triton.model_version'))).toBe(1);
    expect(model.events?.map((e) => e.name)).toEqual(['REQUEST_START', 'QUEUE_START', 'REQUEST_END']);
    const compute = got.get('compute')!;
    expect(compute.parentSpanId).toBe(model.spanId);
    expect(compute.events?.map((e) => e.name)).toEqual([
      'COMPUTE_START',
      'COMPUTE_INPUT_END',
      'COMPUTE_OUTPUT_START',
      'COMPUTE_END',
    ]);
    expect(exportPaths[0]).toBe('POST /v1/traces application/json');
  });

  it('A traceparent in gRPC metadata parents the spans of a ModelInfer call', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const parent = 'b7ad6b7169203331';
    await grpc.infer('simple', simpleInputs(), {
      headers: { traceparent: `00-${traceId}-${parent}-01`, tracestate: 'vendor=1' },
    });
    const got = await spansOf(traceId, ['InferRequest', 'simple', 'compute']);
    expect(got.get('InferRequest')!.parentSpanId).toBe(parent);
    expect(got.get('InferRequest')!.events?.map((e) => e.name)).toEqual([
      'GRPC_WAITREAD_START',
      'GRPC_WAITREAD_END',
      'GRPC_SEND_START',
      'GRPC_SEND_END',
    ]);
    expect(got.get('simple')!.parentSpanId).toBe(got.get('InferRequest')!.spanId);
  });

  it('An ensemble request gives a span per step under the ensemble span, each with its compute span', async () => {
    await http.updateTraceSettings({ trace_rate: '1' });
    await http.infer('text_orientation_image', await ensembleInputs());
    let traceId = '';
    await vi.waitFor(
      () => {
        const ensemble = spans.find((s) => s.name === 'text_orientation_image');
        expect(ensemble).toBeDefined();
        traceId = ensemble!.traceId;
      },
      { timeout: 15_000, interval: 50 },
    );
    await spansOf(traceId, [
      'InferRequest',
      'text_orientation_image',
      'image_preprocess',
      'text_orientation',
    ]);
    const all = spans.filter((s) => s.traceId === traceId);
    const byName = (n: string) => all.filter((s) => s.name === n);
    const root = byName('InferRequest')[0]!;
    expect(root.parentSpanId ?? '').toBe('');
    const ensemble = byName('text_orientation_image')[0]!;
    expect(ensemble.parentSpanId).toBe(root.spanId);
    for (const step of ['image_preprocess', 'text_orientation']) {
      const span = byName(step)[0]!;
      expect(span.parentSpanId).toBe(ensemble.spanId);
      expect(Number(attr(span, 'triton.trace_parent_id'))).toBe(Number(attr(ensemble, 'triton.trace_id')));
      expect(byName('compute').some((c) => c.parentSpanId === span.spanId)).toBe(true);
    }
  });

  it('A call a JavaScript model makes with its request trace is a child span of that model span', async () => {
    const traceId = '5bf92f3577b34da6a3ce929d0e0e4737';
    await http.infer('bls_traced', simpleInputs(), {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b8-01` },
    });
    const got = await spansOf(traceId, ['InferRequest', 'bls_traced', 'simple']);
    const caller = got.get('bls_traced')!;
    expect(caller.parentSpanId).toBe(got.get('InferRequest')!.spanId);
    const call = got.get('simple')!;
    expect(call.parentSpanId).toBe(caller.spanId);
    expect(attr(call, 'triton.request_id')).toBe('bls-child');
    expect(Number(attr(call, 'triton.trace_parent_id'))).toBe(Number(attr(caller, 'triton.trace_id')));
    // The untraced call of the same request made no span.
    expect(spans.filter((s) => s.traceId === traceId && s.name === 'simple')).toHaveLength(1);
  });
});
