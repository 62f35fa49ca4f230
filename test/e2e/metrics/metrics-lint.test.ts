/**
 * E2E: a scrape of /metrics after real traffic passes `promtool check metrics` (Debian's
 * prometheus package, installed by .ci/run), except for the style notes promtool makes on
 * Triton's own `nv_*` family names, which Nereid keeps unchanged so Triton dashboards work.
 * Every `nereid_*` family must lint clean.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsFrontend, PrometheusObserver } from '../../../src/frontends/metrics/index.js';
import { inferJson, simpleInputs } from '../../helpers/kserve-http.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
const haveProm = promtool.status === 0;
if (!haveProm && process.env.CI === 'true')
  throw new Error('promtool is missing: .ci/run installs Debian package prometheus');

/** The style notes promtool makes on Triton's metric names (kept as Triton names them). */
const TRITON_NAME_NOTES = [
  /counter metrics should have "_total" suffix$/,
  /metric names should not contain abbreviated units$/,
  /non-histogram and non-summary metrics should not have "_count" suffix$/,
  /metric name should not include type 'histogram'$/,
];

let t: TestServer;
let observer: PrometheusObserver;
let metrics: MetricsFrontend;
let url: string;

beforeAll(async () => {
  observer = new PrometheusObserver({ metricsIntervalMs: 0 });
  t = await startTestServer({ observer });
  metrics = new MetricsFrontend(t.server, observer, { port: 0, address: '127.0.0.1' });
  url = `http://127.0.0.1:${(await metrics.listen()).port}/metrics`;
});

afterAll(async () => {
  await metrics?.close();
  await t?.close();
  observer?.close();
});

describe.skipIf(!haveProm)('metrics lint', () => {
  it('promtool finds nothing in nereid_* families and only the Triton naming notes in nv_* ones', async () => {
    const { a, b } = simpleInputs(2);
    const body = {
      inputs: [
        { name: 'INPUT0', datatype: 'INT32', shape: [2, 16], data: [...a] },
        { name: 'INPUT1', datatype: 'INT32', shape: [2, 16], data: [...b] },
      ],
    };
    expect((await inferJson(t.baseUrl, 'simple', body)).status).toBe(200);
    expect((await inferJson(t.baseUrl, 'no_such_model', body)).status).toBe(404);
    const text = await (await fetch(url)).text();
    expect(text).toContain('nereid_process_cpu_seconds_total');
    const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    const problems = `${run.stdout}${run.stderr}`.split('\n').filter((l) => l.trim() !== '');
    const unexpected = problems.filter(
      (l) => !(l.startsWith('nv_') && TRITON_NAME_NOTES.some((re) => re.test(l))),
    );
    expect(unexpected).toEqual([]);
  });
});
