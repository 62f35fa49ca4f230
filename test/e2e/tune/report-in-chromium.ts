/**
 * Opens a tune HTML report in a real headless Chromium (Debian's `chromium`, driven by
 * playwright-core with a fresh profile) and checks that every chart was built with data points
 * and painted, that the page logged no error, and that it asked for nothing but its own file.
 * Where /usr/bin/chromium is missing the test skips with a message, except under CI=true.
 */
import { pathToFileURL } from 'node:url';
import { expect } from 'vitest';
import { chosenPoint, type TuneReport } from '../../../src/tools/tune/index.js';
import { launchChromium, skipWithoutChromium } from '../../helpers/chromium.js';

/** Whether the Chromium test must skip: the browser is missing and this is not CI. */
export const SKIP_CHROMIUM = skipWithoutChromium("the tune report's Chromium test");

/** What the page scripts below touch, typed as far as they use it (the tsconfig has no DOM library). */
interface PageCanvas {
  id: string;
  width: number;
  height: number;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  };
}
declare const document: { querySelectorAll(selector: 'canvas'): Iterable<PageCanvas> };
declare const window: { Chart: { getChart(canvas: PageCanvas): PageChart } };
interface PageChart {
  data: { datasets: { label: string }[] };
  getDatasetMeta(index: number): { data: { skip?: boolean }[] };
}

interface ChartState {
  id: string;
  datasets: { label: string; points: number }[];
  paintedPixels: number;
}

/** Loads `htmlPath` and checks its charts against `report`. */
export async function checkReportInChromium(htmlPath: string, report: TuneReport): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => {
      if (r.url() !== pathToFileURL(htmlPath).href) requests.push(r.url());
    });
    await page.goto(pathToFileURL(htmlPath).href);
    // Charts animate in; wait until each canvas has been painted.
    await page.waitForFunction(() =>
      [...document.querySelectorAll('canvas')].every((c) => {
        const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) n++;
        return n > 2000;
      }),
    );
    const charts: ChartState[] = await page.evaluate(() => {
      return [...document.querySelectorAll('canvas')].map((canvas) => {
        const chart = window.Chart.getChart(canvas);
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted++;
        return {
          id: canvas.id,
          datasets: chart.data.datasets.map((d, i) => ({
            label: d.label,
            points: chart.getDatasetMeta(i).data.filter((e) => e.skip !== true).length,
          })),
          paintedPixels: painted,
        };
      });
    });
    const heading = await page.textContent('#recommendation');
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    expect(charts.map((c) => c.id)).toEqual([
      'chart-throughput-latency',
      'chart-instances',
      'chart-batch-size',
    ]);
    const points = (id: string, label: string) =>
      charts.find((c) => c.id === id)!.datasets.find((d) => d.label === label)?.points;
    const measured = report.results.filter((r) => chosenPoint(r) !== null);
    expect(points('chart-throughput-latency', 'Configurations (reported level)')).toBe(measured.length);
    expect(points('chart-throughput-latency', 'Every load level')).toBe(
      report.results.reduce((n, r) => n + r.levels.length, 0),
    );
    expect(points('chart-throughput-latency', 'Recommended')).toBe(1);
    expect(points('chart-throughput-latency', 'Pareto front')).toBeGreaterThanOrEqual(1);
    expect(points('chart-instances', 'no dynamic batching')).toBe(2);
    expect(points('chart-batch-size', 'delay 60000 µs')).toBe(1);
    for (const c of charts) expect(c.paintedPixels).toBeGreaterThan(2000);
    expect(heading).toBe(`Recommended: ${report.results[report.winner!]!.label}`);
  } finally {
    await browser.close();
  }
}
