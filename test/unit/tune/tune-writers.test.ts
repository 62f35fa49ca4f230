/** Unit: the console table, the CSV, the JSON and the HTML page of a tune run. */
import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { chartJsSource } from '../../../src/tools/perf/index.js';
import {
  formatPlan,
  formatRecommendation,
  formatTuneTable,
  tuneChartData,
  tuneReportCsv,
  tuneReportHtml,
  tuneReportJson,
} from '../../../src/tools/tune/index.js';
import { defaultSpace } from './landscapes.js';
import { sampleTuneReport } from './report-fixture.js';

function scripts(html: string): string[] {
  return [...html.matchAll(/<script(?: [^>]*)?>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
}

describe('tune console text', () => {
  it('prints one aligned row per configuration with the winner and the original marked', () => {
    const lines = formatTuneTable(sampleTuneReport()).trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^#\s+instances\s+dynamic batching\s+threads\s+load\s+infer\/s\s+p50 ms\s+p99 ms\s+queue ms\s+compute ms\s+batch\s+RSS MB\s+MB\/inst\s+verdict$/,
    );
    expect(lines).toHaveLength(6);
    expect(lines[2]).toMatch(
      /^1o\s+1\s+off \(max 8\)\s+default\s+2\s+480\.0\s+3\.00\s+6\.00\s+0\.60\s+1\.80\s+1\.00\s+160\s+60\s+ok$/,
    );
    expect(lines[3]).toMatch(/^2\*\s+2 /);
    expect(lines[5]).toMatch(/p99 21\.0 ms at concurrency 1 is over the 20\.0 ms budget$/);
  });

  it('states the plan with the space, the load and the expected time before measuring', () => {
    const plan = formatPlan({
      report: sampleTuneReport(),
      space: { ...defaultSpace(), maxBatchSize: [8], intraOpThreads: [0] },
      estimate: { configs: 6, maxConfigs: 6, typicalMs: 100_000, minMs: 30_000, maxMs: 600_000 },
    });
    expect(plan).toContain(
      "Tuning model 'text_orientation' (onnxruntime, max_batch_size 8) on 127.0.0.1:8000 (tune starts a server for each configuration), 2 cores",
    );
    expect(plan).toContain('Objective: most throughput; constraints: p99 <= 20 ms');
    expect(plan).toContain(
      'Space: instances 1,2 x dynamic batching off,on x max_batch_size 8 x queue delay 0,1000 µs = 6 configurations',
    );
    expect(plan).toContain('Exhaustive search: 6 configurations: expect about 1.7 min (30 s to 10.0 min)');
  });

  it('ends with the recommendation, why, the original compared and the config text', () => {
    const text = formatRecommendation(
      sampleTuneReport(),
      'Against the original config (x): 2.29× the throughput',
    );
    expect(text).toMatch(
      /^Recommended: 2 instances, no dynamic batching \(max 8\), default intra-op threads: 1100\.0 infer\/s at concurrency 4, p99 11\.00 ms\.\nWhy: A second instance/,
    );
    expect(text).toContain('count: 2');
    expect(text).toContain(
      "The servers tune started were stopped; the repository's files were not changed. Took 61 s.",
    );
    const none = {
      ...sampleTuneReport(),
      winner: null,
      explanation: 'No configuration met the constraints: x',
    };
    expect(formatRecommendation(none, '')).toMatch(
      /^No recommendation\. No configuration met the constraints: x\.\n/,
    );
  });
});

describe('tune CSV and JSON', () => {
  it('writes one CSV row per configuration with its settings and reported level', () => {
    const csv = tuneReportCsv(sampleTuneReport()).trimEnd().split('\n');
    expect(csv[0]).toBe(
      'Configuration,Original,Winner,Instances,Dynamic Batching,Intra-op Threads,Load,Inferences/Second,p50 latency (ms),p99 latency (ms),Server Queue (ms),Server Compute (ms),Avg Batch Size,Server RSS (MB),Memory per Instance (MB),Verdict',
    );
    expect(csv).toHaveLength(5);
    expect(csv[2]).toBe(
      '"2 instances, no dynamic batching (max 8), default intra-op threads",false,true,2,off (max 8),default,4,1100.0,5.50,11.00,1.10,3.30,1.00,198,49,ok',
    );
  });

  it('exports the whole report as JSON', () => {
    const report = sampleTuneReport();
    expect(JSON.parse(tuneReportJson(report))).toEqual(report);
  });
});

describe('tune HTML report', () => {
  it('inlines Chart.js and loads nothing from another URL', () => {
    const html = tuneReportHtml(sampleTuneReport());
    expect(html).toContain(chartJsSource().slice(0, 2000));
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=/i);
    expect(html).not.toMatch(/@import|url\(/);
  });

  it('embeds every level, the Pareto front, the winner and the per-instance and per-batch-size series', () => {
    const report = sampleTuneReport();
    const data = tuneChartData(report);
    expect(data.configs.map((c) => [c.index, c.ok, c.winner, c.pareto])).toEqual([
      [1, true, false, true],
      [2, true, true, true],
      [3, true, false, true],
      [4, false, false, false],
    ]);
    expect(data.configs[0]!.levels).toHaveLength(3);
    expect(data.byInstances).toEqual({
      labels: [1, 2],
      series: [
        { label: 'no dynamic batching', data: [480, 1100] },
        { label: 'dynamic batching (best settings)', data: [600, null] },
      ],
    });
    expect(data.byBatchSize).toEqual({ labels: [8], series: [{ label: 'delay 1000 µs', data: [600] }] });
    const embedded = JSON.parse(scripts(tuneReportHtml(report, '/* chart */'))[0]!);
    expect(embedded).toEqual(JSON.parse(JSON.stringify(data)));
  });

  it('has a page script that compiles and escapes text that could close a script', () => {
    const html = tuneReportHtml(sampleTuneReport(), 'var s = "</script>";');
    const [, , page] = scripts(html);
    expect(() => new Script(page!)).not.toThrow();
    expect(html).toContain('var s = "<\\/script>";');
    expect(html).toContain('<li>Model &lt;/script&gt; has the response cache on</li>');
    expect(html).toContain('<h2 id="recommendation">Recommended: 2 instances');
  });
});
