import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { chartJsSource, perfReportHtml } from '../../../src/tools/perf/index.js';
import { sampleReport } from './report-fixture.js';

function scripts(html: string): string[] {
  return [...html.matchAll(/<script(?: [^>]*)?>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
}

describe('perf HTML report', () => {
  it('inlines the Chart.js bundle and loads nothing from another URL', () => {
    const html = perfReportHtml(sampleReport());
    expect(html).toContain(chartJsSource().slice(0, 2000));
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=/i);
    expect(html).not.toMatch(/@import|url\(/);
  });

  it("embeds each level's throughput, latency percentiles and server breakdown as chart data", () => {
    const report = sampleReport();
    const html = perfReportHtml(report, '/* chart */');
    const json = scripts(html).find((s) => s.startsWith('{"label"'))!;
    const data = JSON.parse(json);
    expect(data.label).toBe('Concurrency');
    expect(data.levels.map((l: { level: number }) => l.level)).toEqual([4, 1]);
    expect(data.levels[1].throughput).toBe(report.levels[1]!.client.throughput);
    expect(data.levels[1].p99Us).toBe(report.levels[1]!.client.percentilesUs[99]);
    expect(data.levels[1].breakdownUs['Compute infer']).toBe(200);
    expect(html).toContain('chart-throughput-latency');
    expect(html).toContain('chart-percentiles');
    expect(html).toContain('chart-breakdown');
  });

  it('has page scripts that compile and a results table with the CSV columns', () => {
    const html = perfReportHtml(sampleReport(), '/* chart */');
    const [, , page] = scripts(html);
    expect(() => new Script(page!)).not.toThrow();
    expect(html).toContain('<th>Network+Server Send/Recv</th>');
    expect(html).toContain('<li>4: Load worker 0 was busy 95% of the time</li>');
  });

  it('escapes text that could close the embedded scripts', () => {
    const report = sampleReport();
    report.settings.model = '</script><b>x';
    const html = perfReportHtml(report, 'var s = "</script>";');
    expect(html).not.toContain('</script><b>');
    expect(html).toContain('var s = "<\\/script>";');
  });
});
