/**
 * Unit: the parts behind the metrics observer: BucketCounts (bucket placement and cumulation),
 * parseMetricsConfig (tritonserver's `--metrics-config` keys) and the host readers and gauges of
 * CpuMetrics against the real /proc of this machine.
 */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ServerError } from '../../../src/common/errors.js';
import { BucketCounts } from '../../../src/frontends/metrics/bucket-counts.js';
import {
  CpuMetrics,
  parseMetricsConfig,
  readCpuTimes,
  readMemory,
} from '../../../src/frontends/metrics/index.js';
import { parsePromText, sampleValue } from './prometheus-text.js';

describe('BucketCounts', () => {
  it('places a value equal to a bound in that bound’s bucket and larger ones in +Inf', () => {
    const h = new BucketCounts([1, 2, 4]);
    for (const v of [0.5, 1, 1.5, 4, 9]) h.observe(v);
    expect([...h.counts]).toEqual([2, 1, 1, 1]);
    expect([0, 1, 2, 3].map((i) => h.cumulative(i))).toEqual([2, 3, 4, 5]);
    expect(h.count).toBe(5);
    expect(h.sum).toBe(16);
  });

  it('forgets every observation on reset', () => {
    const h = new BucketCounts([1]);
    h.observe(3);
    h.reset();
    expect([...h.counts]).toEqual([0, 0]);
    expect(h.count).toBe(0);
    expect(h.sum).toBe(0);
  });
});

describe('parseMetricsConfig', () => {
  it('reads counter_latencies and histogram_latencies as booleans', () => {
    expect(parseMetricsConfig(['counter_latencies=false', 'histogram_latencies=true'])).toEqual({
      counterLatencies: false,
      histogramLatencies: true,
    });
    expect(parseMetricsConfig([])).toEqual({});
    expect(parseMetricsConfig(['summary_latencies=false'])).toEqual({});
  });

  it('rejects unknown keys, bad values, missing "=" and summary_latencies=true', () => {
    const cases: [string, RegExp][] = [
      [
        'gpu_latencies=true',
        /Unknown --metrics-config key 'gpu_latencies': allowed keys are counter_latencies/,
      ],
      ['histogram_latencies=maybe', /histogram_latencies takes true or false: received 'maybe'/],
      ['histogram_latencies', /takes KEY=VALUE: received 'histogram_latencies'/],
      ['summary_latencies=true', /summary_latencies=true is not supported/],
    ];
    for (const [entry, message] of cases) {
      let error: unknown;
      try {
        parseMetricsConfig([entry]);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ServerError);
      expect((error as ServerError).code).toBe('ERR_BAD_METRICS_CONFIG');
      expect((error as ServerError).message).toMatch(message);
    }
  });
});

describe('CpuMetrics', () => {
  it('reads cumulative machine CPU times with busy no larger than total', () => {
    const a = readCpuTimes();
    expect(a.total).toBeGreaterThan(0);
    expect(a.busy).toBeGreaterThanOrEqual(0);
    expect(a.busy).toBeLessThanOrEqual(a.total);
    let spin = 0;
    for (let i = 0; i < 2e7; i++) spin += i;
    expect(spin).toBeGreaterThan(0);
    const b = readCpuTimes();
    expect(b.total).toBeGreaterThanOrEqual(a.total);
  });

  it('reads total memory and used memory below it', () => {
    const m = readMemory();
    expect(m.totalBytes).toBeGreaterThan(0);
    expect(m.usedBytes).toBeGreaterThan(0);
    expect(m.usedBytes).toBeLessThan(m.totalBytes);
  });

  it('sets utilization between 0 and 1 on refresh and renders the three gauges', async () => {
    const registry = new Registry();
    const cpu = new CpuMetrics(registry);
    let spin = 0;
    for (let i = 0; i < 2e7; i++) spin += i;
    expect(spin).toBeGreaterThan(0);
    cpu.refresh();
    const t = parsePromText(await registry.metrics());
    const u = sampleValue(t, 'nv_cpu_utilization', {});
    expect(u).toBeGreaterThanOrEqual(0);
    expect(u).toBeLessThanOrEqual(1);
    expect(sampleValue(t, 'nv_cpu_memory_total_bytes', {})).toBe(readMemory().totalBytes);
    expect(t.types.get('nv_cpu_memory_used_bytes')).toBe('gauge');
    cpu.stop();
  });
});
