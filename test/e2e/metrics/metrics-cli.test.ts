/**
 * E2E: the metrics flags of the compiled `nereid serve` in a child process: the metrics service
 * starts on --metrics-port at the HTTP address and counts a request, --allow-metrics=false starts
 * no metrics service while inference still works, and a bad --metrics-config is a usage error.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { inferJson, simpleInputs } from '../../helpers/kserve-http.js';
import { EXAMPLES_REPOSITORY } from '../../helpers/test-server.js';
import { parsePromText, sampleValue } from '../../unit/metrics/prometheus-text.js';

const MAIN = fileURLToPath(new URL('../../../dist/src/cli/main.js', import.meta.url));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

interface Started {
  child: ChildProcess;
  httpPort: number;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts `nereid serve` on free ports; resolves once the log line matching `ready` appeared. */
function start(args: string[], ready: RegExp): Promise<Started> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        MAIN,
        'serve',
        '--model-repository',
        EXAMPLES_REPOSITORY,
        '--http-port',
        '0',
        '--http-address=127.0.0.1',
        '--allow-grpc=false',
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(child);
    let err = '';
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.stderr!.on('data', (d) => {
      err += d;
      const http = /Started HTTPService at [0-9.]+:(\d+)/.exec(err);
      if (http && ready.test(err)) resolve({ child, httpPort: Number(http[1]), stderr: () => err, exited });
    });
    void exited.then((code) => reject(new Error(`server exited with ${code}: ${err}`)));
  });
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
    const s = await start(['--metrics-port', '0'], /Started Metrics Service at 127\.0\.0\.1:\d+/);
    const port = Number(/Started Metrics Service at 127\.0\.0\.1:(\d+)/.exec(s.stderr())![1]);
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
    const s = await start(['--allow-metrics=false', '--metrics-port', '0'], /Started HTTPService/);
    const res = await inferJson(`http://127.0.0.1:${s.httpPort}`, 'simple', body());
    expect(res.status).toBe(200);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(s.stderr()).not.toContain('Metrics Service');
  });

  it('refuses an unknown --metrics-config key as a usage error', async () => {
    const child = spawn(
      process.execPath,
      [
        MAIN,
        'serve',
        '--model-repository',
        EXAMPLES_REPOSITORY,
        '--metrics-config',
        'summary_quantiles=0.5:0.05',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(child);
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(2);
    expect(err).toContain("Unknown --metrics-config key 'summary_quantiles'");
  });
});
