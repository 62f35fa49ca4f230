/**
 * A/B benchmark: this checkout's build against another git revision's, side by side in one run, on
 * `simple` over HTTP with binary tensors, with the bare node:http server as the physical limit. The
 * other revision is checked out into a temporary worktree and compiled there (sharing this
 * checkout's node_modules). Every pair of runs (bare, base, this build) is taken within seconds, and
 * the figures are the medians of the per-pair ratios, which the machine's drift from minute to
 * minute moves far less than raw throughput. It answers "what did this change buy", not the issue
 * targets (`npm run bench:http` does those).
 *
 * Run: `npm run bench:ab -- --base REV [--pairs 6] [--seconds 2] [--model simple|text_orientation] [--head-args 'FLAGS']`
 * (`--head-args` adds `nereid serve` flags to this build's server only, e.g. to price a feature
 * that is off by default against the same code with it off).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildExampleRepository } from '../src/tools/examples/index.js';
import { CpuMeter, type CpuPerRequest } from './lib/cpu-accounting.js';
import { type LoadResult, median, runInferLoad } from './lib/load-generator.js';
import { benchRequest } from './lib/model-request.js';
import { type ServerProcess, startBareMirror, startNereid } from './lib/server-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONCURRENCIES = [16, 1] as const;

/** Options read from argv. */
interface AbOptions {
  /** The revision to compare against (required). */
  base: string;
  /** Alternated pairs of runs per concurrency; default 6. */
  pairs: number;
  /** Seconds per run; default 2. */
  seconds: number;
  /** Model of the example repository to load: simple or text_orientation (bench/lib/model-request.ts); default simple. */
  model: string;
  /** Extra `nereid serve` flags of this build's server, space-separated; default none. */
  headArgs: string[];
}

function readOptions(argv: readonly string[]): AbOptions {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const base = get('base');
  if (base === undefined) throw new Error('Usage: npm run bench:ab -- --base REV [--pairs N] [--seconds S]');
  return {
    base,
    pairs: Number(get('pairs') ?? 6),
    seconds: Number(get('seconds') ?? 2),
    model: get('model') ?? 'simple',
    headArgs: (get('head-args') ?? '').split(' ').filter((a) => a !== ''),
  };
}

/** Checks `rev` out into a temporary worktree and compiles it; returns the worktree's folder. */
function buildRevision(rev: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'nereid-ab-'));
  execFileSync('git', ['worktree', 'add', '--detach', dir, rev], { cwd: ROOT, stdio: 'ignore' });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: dir,
      stdio: 'inherit',
    },
  );
  if (existsSync(join(dir, 'scripts/copy-assets.mjs')))
    execFileSync(process.execPath, ['scripts/copy-assets.mjs'], { cwd: dir, stdio: 'inherit' });
  return dir;
}

function removeRevision(dir: string): void {
  try {
    execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: ROOT, stdio: 'ignore' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Run = LoadResult & { cpu: CpuPerRequest };

async function measure(
  server: ServerProcess,
  model: string,
  request: { headers: Record<string, string>; body: Uint8Array },
  concurrency: number,
  seconds: number,
): Promise<Run> {
  const meter = new CpuMeter(server.child.pid!);
  const load = await runInferLoad(server.port, model, request, {
    concurrency,
    threads: concurrency === 1 ? 1 : 2,
    warmupMs: 300,
    durationMs: seconds * 1000,
  });
  return { ...load, cpu: meter.stop(load.totalRequests) };
}

function line(name: string, concurrency: number, r: Run): string {
  return `  ${name.padEnd(5)} c${String(concurrency).padEnd(3)} ${r.throughputPerS.toFixed(0).padStart(7)} req/s  p50 ${r.p50Us.toFixed(0).padStart(5)} us  cpu us/req main ${r.cpu.serverMainUs.toFixed(0)} other ${r.cpu.serverOtherUs.toFixed(0)} client ${r.cpu.clientUs.toFixed(0)}  errors ${r.errors}`;
}

async function main(): Promise<void> {
  const options = readOptions(process.argv);
  const baseDir = buildRevision(options.base);
  const repo = mkdtempSync(join(tmpdir(), 'nereid-ab-repo-'));
  const servers: ServerProcess[] = [];
  try {
    buildExampleRepository(repo);
    const request = benchRequest(options.model);
    const base = await startNereid(repo, [], join(baseDir, 'dist/src/cli/main.js'));
    servers.push(base);
    const head = await startNereid(repo, options.headArgs);
    servers.push(head);
    const bare = await startBareMirror(head.port, options.model, request);
    servers.push(bare);
    const targets = [
      ['bare', bare],
      ['base', base],
      ['head', head],
    ] as const;
    console.log(
      `HTTP A/B: ${options.model}, base ${options.base} vs this build, ${options.pairs} alternated pairs x ${options.seconds} s, node ${process.version}`,
    );
    for (const [, server] of targets)
      for (const c of CONCURRENCIES) await measure(server, options.model, request, c, 1.5); // warm-up
    const runs: Record<string, Run[]> = {};
    for (let pair = 0; pair < options.pairs; pair++) {
      // Base and head swap places every other pair: whichever runs second does so right after the
      // other's load (an ONNX Runtime pool spins for a while after its last run), so neither build
      // always pays for it.
      const order = pair % 2 === 0 ? targets : ([targets[0], targets[2], targets[1]] as const);
      for (const c of CONCURRENCIES) {
        for (const [name, server] of order) {
          const r = await measure(server, options.model, request, c, options.seconds);
          (runs[`${name}${c}`] ??= []).push(r);
          console.log(line(name, c, r));
        }
      }
    }
    const perPair = (name: string, c: number, f: (x: Run, bare: Run) => number): number[] =>
      runs[`${name}${c}`]!.map((r, i) => f(r, runs[`bare${c}`]![i]!));
    const summary = {
      date: new Date().toISOString(),
      command: `npm run bench:ab -- --base ${options.base} --pairs ${options.pairs} --seconds ${options.seconds}${options.headArgs.length > 0 ? ` --head-args '${options.headArgs.join(' ')}'` : ''}`,
      model: options.model,
      c16RatioToBare: {
        base: median(perPair('base', 16, (r, bare) => r.throughputPerS / bare.throughputPerS)),
        head: median(perPair('head', 16, (r, bare) => r.throughputPerS / bare.throughputPerS)),
      },
      c1AddedUs: {
        base: median(perPair('base', 1, (r, bare) => r.p50Us - bare.p50Us)),
        head: median(perPair('head', 1, (r, bare) => r.p50Us - bare.p50Us)),
      },
      c16HeadOverBase: median(runs.head16!.map((r, i) => r.throughputPerS / runs.base16![i]!.throughputPerS)),
    };
    console.log(JSON.stringify(summary, null, 2));
    console.log(
      `\nc16 throughput / bare (median of per-pair ratios): base ${summary.c16RatioToBare.base.toFixed(2)}, this build ${summary.c16RatioToBare.head.toFixed(2)}; this build / base ${summary.c16HeadOverBase.toFixed(2)}` +
        `\nc1 p50 added over bare (median per pair): base +${summary.c1AddedUs.base.toFixed(0)} us, this build +${summary.c1AddedUs.head.toFixed(0)} us`,
    );
    writeFileSync(
      new URL('../../bench/results/http-ab.json', import.meta.url),
      `${JSON.stringify(summary, null, 2)}\n`,
    );
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(repo, { recursive: true, force: true });
    removeRevision(baseDir);
  }
}

await main();
