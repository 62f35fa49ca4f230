/**
 * Config A/B benchmark: the same build serving `simple` (or `text_orientation`) under several
 * configurations at once (one server per variant, each with config lines appended to the model's
 * config.pbtxt), against the bare
 * node:http server answering the same bytes. Every round runs the bare server, then each variant
 * (in reversed order every other round), so the machine's drift weighs on all alike; the figures
 * are medians of each variant's per-round ratio to the bare run of its round. It answers "which
 * setting is better" (e.g. `nereid.max_in_flight`, docs/adr/0008); `npm run bench:http` does the
 * issue targets.
 *
 * Run: `npm run bench:config -- --variant 'depth8=parameters { key: "nereid.max_in_flight" value {
 * string_value: "8" } }' --variant 'default=' [--model simple|text_orientation] [--concurrency 16]
 * [--rounds 6] [--seconds 2.5]`.
 */
import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildExampleRepository } from '../src/tools/examples/index.js';
import { median, runInferLoad } from './lib/load-generator.js';
import { benchRequest } from './lib/model-request.js';
import { type ServerProcess, startBareMirror, startNereid } from './lib/server-process.js';

/** One configuration under test. */
interface Variant {
  /** Label in the output. */
  name: string;
  /** Text appended to the model's config.pbtxt (may be empty: the bundled config). */
  config: string;
}

function readOptions(argv: readonly string[]): {
  variants: Variant[];
  model: string;
  concurrency: number;
  rounds: number;
  seconds: number;
} {
  const variants: Variant[] = [];
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== '--variant') continue;
    const spec = argv[i + 1] ?? '';
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new Error(`--variant wants NAME=CONFIG TEXT, got "${spec}"`);
    variants.push({ name: spec.slice(0, eq), config: spec.slice(eq + 1) });
  }
  if (variants.length === 0) {
    throw new Error("Usage: npm run bench:config -- --variant 'NAME=CONFIG TEXT' [--variant ...]");
  }
  return {
    variants,
    model: get('model') ?? 'simple',
    concurrency: Number(get('concurrency') ?? 16),
    rounds: Number(get('rounds') ?? 6),
    seconds: Number(get('seconds') ?? 2.5),
  };
}

/** A repository holding only `model`, with `config` appended to its config.pbtxt. */
function repositoryWith(only: string, config: string): string {
  const repo = mkdtempSync(join(tmpdir(), 'nereid-config-ab-'));
  buildExampleRepository(repo);
  for (const model of readdirSync(repo)) {
    if (model !== only) rmSync(join(repo, model), { recursive: true, force: true });
  }
  if (config !== '') appendFileSync(join(repo, only, 'config.pbtxt'), `\n${config}\n`);
  return repo;
}

async function main(): Promise<void> {
  const { variants, model, concurrency, rounds, seconds } = readOptions(process.argv.slice(2));
  const request = benchRequest(model);
  const repos = variants.map((v) => repositoryWith(model, v.config));
  const servers: ServerProcess[] = [];
  let bare: ServerProcess | null = null;
  try {
    for (const repo of repos) servers.push(await startNereid(repo));
    // The bare server answers with the bytes and headers Nereid sends for this request.
    bare = await startBareMirror(servers[0]!.port, model, request);
    const load = (port: number) =>
      runInferLoad(port, model, request, {
        concurrency,
        threads: concurrency === 1 ? 1 : 2,
        warmupMs: 1000,
        durationMs: seconds * 1000,
      });
    const ratios = variants.map((): number[] => []);
    const throughputs = variants.map((): number[] => []);
    const addedP50Us = variants.map((): number[] => []);
    for (let round = 0; round < rounds; round++) {
      const bareRun = await load(bare.port);
      let line = `round ${round + 1}: bare ${bareRun.throughputPerS.toFixed(0)}`;
      const order = variants.map((_, i) => i);
      if (round % 2 === 1) order.reverse();
      for (const i of order) {
        const run = await load(servers[i]!.port);
        ratios[i]!.push(run.throughputPerS / bareRun.throughputPerS);
        throughputs[i]!.push(run.throughputPerS);
        addedP50Us[i]!.push(run.p50Us - bareRun.p50Us);
        line += `  ${variants[i]!.name} ${run.throughputPerS.toFixed(0)} (${(run.throughputPerS / bareRun.throughputPerS).toFixed(2)})`;
      }
      console.log(line);
    }
    console.log(`\n${model}, concurrency ${concurrency}, ${rounds} rounds of ${seconds} s (medians):`);
    for (let i = 0; i < variants.length; i++) {
      console.log(
        `${variants[i]!.name.padEnd(20)} ratio to bare ${median(ratios[i]!).toFixed(3)}  req/s ${median(throughputs[i]!).toFixed(0)}  p50 over bare ${median(addedP50Us[i]!).toFixed(0)} us`,
      );
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await bare?.stop();
    for (const repo of repos) rmSync(repo, { recursive: true, force: true });
  }
}

await main();
