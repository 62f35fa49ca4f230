/**
 * E2E: the metrics flags of the compiled `nereid serve` in a child process: the metrics service
 * starts on --metrics-port at the HTTP address and counts a request, --allow-metrics=false starts
 * no metrics service while inference still works, and a bad --metrics-config is a usage error.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { killCliServers, runCli, startCliServer } from '../../helpers/cli-server.js';
import { inferJson, simpleInputs } from '../../helpers/kserve-http.js';
import { EXAMPLES_REPOSITORY } from '../../helpers/test-server.js';
import { parsePromText, sampleValue } from '../../unit/metrics/prometheus-text.js';

afterAll(killCliServers);

/** Starts `nereid serve` of the example repository without gRPC on free ports. */
function start(args: string[]) {
  return startCliServer(['--model-repository', EXAMPLES_REPOSITORY, '--allow-grpc=false', ...args]);
}

function body() {
  const { a, b } = simpleInputs(1);
  return {
    inputs: [
      { name: 'INPUT0', datatype: 'INT32', shape: [1, 16], data: [...a] },
      { name: 'INPUT1', datatype: 'INT32', shape: [1, 16], data: [...b] },
    ],
  };
}

describe('nereid serve metrics flags', () => {
  it('starts the metrics service on --metrics-port at the HTTP address and counts requests', async () => {
    const s = await start([]);
    expect(s.stderr()).toMatch(/Started Metrics Service at 127\.0\.0\.1:\d+/);
    const port = s.metricsPort;
    const res = await inferJson(`http://127.0.0.1:${s.httpPort}`, 'simple', body());
    expect(res.status).toBe(200);
    const scraped = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(scraped.status).toBe(200);
    const m = parsePromText(await scraped.text());
    expect(sampleValue(m, 'nv_inference_request_success', { model: 'simple', version: '1' })).toBe(1);
    expect(sampleValue(m, 'nv_inference_exec_count', { model: 'simple', version: '1' })).toBe(1);
    expect(sampleValue(m, 'nv_cpu_memory_total_bytes', {})).toBeGreaterThan(0);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });

  it('starts no metrics service with --allow-metrics=false and still serves inference', async () => {
    const s = await start(['--allow-metrics=false']);
    const res = await inferJson(`http://127.0.0.1:${s.httpPort}`, 'simple', body());
    expect(res.status).toBe(200);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(s.stderr()).not.toContain('Metrics Service');
  });

  it('refuses an unknown --metrics-config key as a usage error', async () => {
    const r = await runCli([
      '--model-repository',
      EXAMPLES_REPOSITORY,
      '--metrics-config',
      'summary_quantiles=0.5:0.05',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Unknown --metrics-config key 'summary_quantiles'");
  });
});
