/**
 * E2E: unloading releases a model's ORT sessions and worker threads. A child process (run with
 * --expose-gc from dist/, so the measurement sees only the server) loads, runs and unloads the
 * real PaddleOCR text-orientation model 50 times through the HTTP API; its resident memory after
 * the last cycle must be within 10% of the level after the first.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { EXAMPLES_REPOSITORY } from '../../helpers/test-server.js';

const CYCLES = 50;
const CHILD = fileURLToPath(new URL('./load-unload-cycles.mjs', import.meta.url));
const repo = mkdtempSync(join(tmpdir(), 'nereid-mm-memory-'));

afterAll(() => rmSync(repo, { recursive: true, force: true }));

it(`resident memory after ${CYCLES} load/unload cycles of a real model is within 10% of the first cycle`, async () => {
  cpSync(join(EXAMPLES_REPOSITORY, 'text_orientation'), join(repo, 'text_orientation'), { recursive: true });
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--expose-gc', CHILD, repo, 'text_orientation', String(CYCLES)],
    // Only stops a hung child: 50 cycles took 84 s at load 8-10 and over 110 s at load 14-18 on
    // the shared 2-core machine; the assertion is on memory, never on time.
    { timeout: 280_000 },
  );
  const { rss } = JSON.parse(stdout.trim().split('\n').at(-1)!) as { rss: number[] };
  expect(rss).toHaveLength(CYCLES);
  const first = rss[0]!;
  const last = rss[CYCLES - 1]!;
  const mib = (n: number) => (n / 1048576).toFixed(1);
  console.log(
    `RSS after cycle 1: ${mib(first)} MiB, after cycle ${CYCLES}: ${mib(last)} MiB, peak ${mib(Math.max(...rss))} MiB`,
  );
  expect(last).toBeLessThanOrEqual(first * 1.1);
}, 300_000);
