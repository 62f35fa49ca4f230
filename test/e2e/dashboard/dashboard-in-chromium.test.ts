/**
 * E2E in a real headless Chromium (Debian's, through playwright-core): `nereid serve` on the
 * bundled example models, with `simple` given dynamic batching, in explicit control mode. The
 * dashboard page loads without a console error and asks for nothing but its own origin, lists the
 * models with their states, draws non-zero throughput and batches larger than one for `simple`
 * under load, shows the reason of a model whose load failed (as text, markup included), fits a
 * phone-width window, has a dark scheme, and reconnects by itself after the server restarts on
 * the same port. It saves a screenshot (docs/images/dashboard.png with NEREID_UPDATE_SCREENSHOT=1).
 * With the real GGUF model present (so the bundled repository holds the LLM example `stories`),
 * its LLM charts show tokens/s, time to first token and inter-token latency while it generates.
 */
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, InferInput } from '../../../src/client/index.js';
import { type ChromiumSession, launchChromium, skipWithoutChromium } from '../../helpers/chromium.js';
import { type CliServer, startCliServer } from '../../helpers/cli-server.js';
import { simpleInputs } from '../../helpers/kserve-http.js';
import { EXAMPLES_REPOSITORY } from '../../helpers/test-server.js';
import { describeWithGguf } from '../llm/llm-fixtures.js';

const SKIP = skipWithoutChromium("the dashboard's Chromium test");

/** Where the screenshot goes when NEREID_UPDATE_SCREENSHOT=1 (else a temporary directory). */
const README_SCREENSHOT = fileURLToPath(new URL('../../../docs/images/dashboard.png', import.meta.url));

/** The markup put in the broken model's config: it must come back in the reason as plain text. */
const MARKUP = '<img src=x id=injected>';

/** What the page scripts below touch, typed as far as they use it (the tsconfig has no DOM library). */
interface PageElement {
  textContent: string | null;
  dataset: Record<string, string>;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
}
declare const document: {
  getElementById(id: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
  documentElement: { scrollWidth: number };
  body: PageElement;
};
declare const window: {
  dashboardState: { frames: number; connects: number };
  Chart: { getChart(id: string): { data: { labels: string[]; datasets: { data: (number | null)[] }[] } } };
  innerWidth: number;
  getComputedStyle(e: PageElement): { backgroundColor: string };
};

/** The models table as the page shows it: name, state and reason per row. */
function tableRows(page: Page): Promise<{ name: string; state: string; reason: string }[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('#models tbody tr')].map((tr) => ({
      name: tr.querySelector('td.name')?.textContent ?? '',
      state: tr.querySelector('.state')?.textContent ?? '',
      reason: tr.querySelector('.reason')?.textContent ?? '',
    })),
  );
}

/** Builds the served repository: every bundled model (linked), `simple` with dynamic batching. */
function repository(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nereid-dashboard-'));
  for (const name of readdirSync(EXAMPLES_REPOSITORY, { withFileTypes: true })) {
    if (!name.isDirectory() || name.name === 'simple') continue;
    symlinkSync(join(EXAMPLES_REPOSITORY, name.name), join(dir, name.name), 'dir');
  }
  const simple = join(dir, 'simple');
  mkdirSync(join(simple, '1'), { recursive: true });
  copyFileSync(join(EXAMPLES_REPOSITORY, 'simple', '1', 'model.onnx'), join(simple, '1', 'model.onnx'));
  const config = readFileSync(join(EXAMPLES_REPOSITORY, 'simple', 'config.pbtxt'), 'utf8');
  writeFileSync(
    join(simple, 'config.pbtxt'),
    `${config}\ndynamic_batching { preferred_batch_size: [ 8 ] max_queue_delay_microseconds: 20000 }\n`,
  );
  return dir;
}

/** Sends `rounds` × `concurrency` requests of one row to `simple`. */
async function load(client: HttpClient, rounds: number, concurrency: number): Promise<void> {
  const { a, b } = simpleInputs(1);
  const inputs = [
    InferInput.fromValues('INPUT0', 'INT32', [1, 16], a),
    InferInput.fromValues('INPUT1', 'INT32', [1, 16], b),
  ];
  for (let r = 0; r < rounds; r++) {
    await Promise.all(Array.from({ length: concurrency }, () => client.infer('simple', inputs)));
  }
}

describe.skipIf(SKIP)('the dashboard in Chromium', () => {
  let dir: string;
  let server: CliServer;
  let browser: ChromiumSession;
  let args: string[];

  beforeAll(async () => {
    dir = repository();
    args = [
      '--model-repository',
      dir,
      '--model-control-mode=explicit',
      '--load-model=*',
      '--allow-grpc=false',
    ];
    server = await startCliServer(args, { timeoutMs: 120_000 });
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.kill();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the models, live load on simple, a failed load with its reason, and recovers after a restart', async () => {
    const origin = `http://127.0.0.1:${server.httpPort}`;
    const page = await browser.context.newPage();
    const errors: string[] = [];
    const foreign: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => {
      if (!r.url().startsWith(`${origin}/dashboard`)) foreign.push(r.url());
    });
    await page.goto(`${origin}/dashboard`);
    expect(page.url()).toBe(`${origin}/dashboard/`);
    await page.waitForSelector('#status[data-state="live"]');

    // The models table: every bundled model, READY.
    const bundled = readdirSync(EXAMPLES_REPOSITORY, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    await expect.poll(async () => (await tableRows(page)).length).toBe(bundled.length);
    const rows = await tableRows(page);
    expect(rows.map((r) => r.name).sort()).toEqual(bundled);
    for (const r of rows) expect([r.name, r.state]).toEqual([r.name, 'READY']);
    expect(await page.textContent('#models tbody tr[data-key="simple/1"] td:nth-child(6)')).toBe(
      'dynamic, max 8, delay 20000 µs, preferred 8',
    );

    // Load on simple: throughput above zero and batches of more than one row.
    await page.selectOption('#model-select', 'simple/1');
    const client = new HttpClient(origin);
    try {
      await load(client, 30, 32);
      await page.waitForFunction(
        () => {
          const throughput = window.Chart.getChart('chart-throughput').data.datasets[0]!.data;
          const batches = window.Chart.getChart('chart-batches').data;
          const large = batches.labels.some(
            (size, i) => Number(size) > 1 && (batches.datasets[0]!.data[i] ?? 0) > 0,
          );
          return throughput.some((v) => (v ?? 0) > 0) && large;
        },
        undefined,
        { timeout: 15_000 },
      );
      const latency = await page.evaluate(
        () => window.Chart.getChart('chart-latency').data.datasets[0]!.data,
      );
      expect(latency.some((v) => (v ?? 0) > 0)).toBe(true);

      // A model whose load fails is UNAVAILABLE with its reason, shown as text.
      mkdirSync(join(dir, 'broken', '1'), { recursive: true });
      writeFileSync(join(dir, 'broken', 'config.pbtxt'), `name: "broken"\nplatform: "${MARKUP}"\n`);
      await expect(client.loadModel('broken')).rejects.toThrow();
      const served = (await client.repositoryIndex()).find((e) => e.name === 'broken')!;
      expect(served.state).toBe('UNAVAILABLE');
      await expect
        .poll(async () => (await tableRows(page)).find((r) => r.name === 'broken'))
        .toEqual({ name: 'broken', state: 'UNAVAILABLE', reason: served.reason });
      expect(served.reason).toContain(MARKUP);
      expect(await page.$('#injected')).toBeNull();
    } finally {
      await client.close();
    }

    // The filter box keeps the matching rows; a header click sorts by that column, again reverses.
    await page.fill('#model-filter', 'unavail');
    expect((await tableRows(page)).map((r) => r.name)).toEqual(['broken']);
    await page.fill('#model-filter', 'simple_s');
    expect((await tableRows(page)).map((r) => r.name)).toEqual([
      'simple_sequence',
      'simple_string',
      'simple_string_dyna_sequence',
    ]);
    await page.click('button[data-sort="name"]');
    expect((await tableRows(page)).map((r) => r.name)).toEqual([
      'simple_string_dyna_sequence',
      'simple_string',
      'simple_sequence',
    ]);
    await page.click('button[data-sort="state"]');
    await page.fill('#model-filter', '');
    const byState = await tableRows(page);
    expect(byState[0]!.state).toBe('READY');
    expect(byState.at(-1)!.name).toBe('broken');
    await page.click('button[data-sort="name"]');
    await page.waitForTimeout(1500); // one more frame, so the screenshot shows the last point
    const shot =
      process.env.NEREID_UPDATE_SCREENSHOT === '1' ? README_SCREENSHOT : join(dir, 'dashboard.png');
    const png = await page.screenshot({ path: shot, fullPage: true });
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);

    // Phone width: nothing wider than the window (the table scrolls inside its frame); dark scheme.
    await page.setViewportSize({ width: 390, height: 844 });
    // Chart.js resizes its canvases from a ResizeObserver, a frame or two after the window changed.
    await expect
      .poll(() => page.evaluate(() => document.documentElement.scrollWidth))
      .toBeLessThanOrEqual(390);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await page.evaluate(() => window.getComputedStyle(document.body).backgroundColor)).toBe(
      'rgb(15, 20, 25)',
    );
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await page.evaluate(() => window.getComputedStyle(document.body).backgroundColor)).toBe(
      'rgb(255, 255, 255)',
    );
    await page.setViewportSize({ width: 1280, height: 800 });

    // Restart on the same port: the page says it lost the server, then reconnects by itself.
    const port = server.httpPort;
    const before = await page.evaluate(() => window.dashboardState.connects);
    expect(before).toBe(1);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    await page.waitForSelector('#status[data-state="reconnecting"]');
    server = await startCliServer([...args, `--http-port=${port}`], { timeoutMs: 120_000 });
    expect(server.httpPort).toBe(port);
    await page.waitForFunction(() => window.dashboardState.connects === 2, undefined, { timeout: 30_000 });
    await page.waitForSelector('#status[data-state="live"]');
    const frames = await page.evaluate(() => window.dashboardState.frames);
    await page.waitForFunction((n) => window.dashboardState.frames > n + 1, frames);
    // The new server loaded the repository again, the broken model included (it fails again).
    await expect.poll(async () => (await tableRows(page)).length).toBe(bundled.length + 1);
    // While the server was down the browser logged its refused reconnections, and nothing else.
    expect(
      errors.filter((e) => !/ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE/.test(e)),
    ).toEqual([]);
    expect(foreign).toEqual([]);
  }, 240_000);

  describeWithGguf('with the LLM model stories', () => {
    it('shows the LLM charts of stories with tokens/s, time to first token and inter-token latency above zero', async () => {
      const origin = `http://127.0.0.1:${server.httpPort}`;
      const page = await browser.context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${origin}/dashboard/`);
      await page.waitForSelector('#status[data-state="live"]');
      await page.waitForSelector('#model-select option[value="stories/1"]', { state: 'attached' });
      await page.selectOption('#model-select', 'stories/1');
      const client = new HttpClient(origin);
      try {
        for (let i = 0; i < 3; i++) {
          await client.generate('stories', {
            text_input: 'Once upon a time',
            parameters: { max_tokens: 48 },
          });
        }
        await page.waitForFunction(
          () =>
            ['chart-llm', 'chart-llm-latency'].every((id) =>
              window.Chart.getChart(id).data.datasets[0]!.data.some((v) => (v ?? 0) > 0),
            ),
          undefined,
          { timeout: 15_000 },
        );
      } finally {
        await client.close();
      }
      expect(await page.isVisible('#llm-figure')).toBe(true);
      const itl = await page.evaluate(
        () => window.Chart.getChart('chart-llm-latency').data.datasets[1]!.data,
      );
      expect(itl.some((v) => (v ?? 0) > 0)).toBe(true);
      expect(errors).toEqual([]);
    }, 120_000);
  });
});
