/**
 * Benchmark (issue 2): Nereid's HTTP path against its physical limit, in one run.
 *   1. `simple` (two INT32[1,16] inputs, binary tensors) at concurrency 16: Nereid's throughput
 *      over a bare node:http server answering the same bytes (target >= 0.6).
 *   2. The same at concurrency 1: median latency, Nereid minus bare (target <= 100 us).
 *   3. The real PaddleOCR classifier at batch 1, concurrency 1: the share of server overhead
 *      (everything but the model's own compute) in end-to-end latency, using the stats API.
 * Five repetitions; in each, the Nereid run sits right next to the bare run it is compared with,
 * bare first in even repetitions and Nereid first in odd ones. Medians are reported, and each
 * pair's own ratio (or difference) with their median. Run: `npm run bench:http`
 * (BENCH_REPS, BENCH_DURATION_MS and BENCH_WARMUP_MS change the defaults 5, 3000 and 2000).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildExampleRepository } from '../src/tools/examples/index.js';
import { CpuMeter, type CpuPerRequest } from './lib/cpu-accounting.js';
import { type LoadResult, median, runInferLoad, runLoad } from './lib/load-generator.js';
import { benchRequest } from './lib/model-request.js';
import { modelStatsOf, statMeansUs } from './lib/model-stats.js';
import { startBareMirror, startNereid } from './lib/server-process.js';

const REPS = Number(process.env.BENCH_REPS ?? 5);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 3000);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 2000);

type Measured = LoadResult & { cpu?: CpuPerRequest };

function row(name: string, r: Measured): string {
  const cpu =
    r.cpu === undefined
      ? ''
      : `  ${r.cpu.serverMainUs.toFixed(0).padStart(5)} ${r.cpu.serverOtherUs.toFixed(0).padStart(5)} ${r.cpu.clientUs.toFixed(0).padStart(5)}`;
  return `${name.padEnd(26)} ${String(r.concurrency).padStart(3)} ${r.throughputPerS.toFixed(0).padStart(9)} ${r.p50Us.toFixed(0).padStart(8)} ${r.p99Us.toFixed(0).padStart(8)} ${(r.clientUtilization * 100).toFixed(0).padStart(5)}%  ${r.errors}${cpu}`;
}

async function main(): Promise<void> {
  const repo = mkdtempSync(join(tmpdir(), 'nereid-bench-http-'));
  try {
    buildExampleRepository(repo);
    // A second copy of `simple` with one instance and dynamic batching: what batching buys when
    // the per-request cost is the hop to the worker thread.
    cpSync(join(repo, 'simple'), join(repo, 'simple_batched'), { recursive: true });
    const batchedConfig = join(repo, 'simple_batched', 'config.pbtxt');
    writeFileSync(
      batchedConfig,
      `${readFileSync(batchedConfig, 'utf8')
        .replace('name: "simple"', 'name: "simple_batched"')
        .replace(/count: \d+/, 'count: 1')}\ndynamic_batching { }\n`,
    );
    // And one without pipelining (one execution in flight per instance, ADR 0005), for the A/B.
    cpSync(join(repo, 'simple'), join(repo, 'simple_depth1'), { recursive: true });
    const depth1Config = join(repo, 'simple_depth1', 'config.pbtxt');
    writeFileSync(
      depth1Config,
      `${readFileSync(depth1Config, 'utf8').replace('name: "simple"', 'name: "simple_depth1"')}\nparameters { key: "nereid.max_in_flight" value { string_value: "1" } }\n`,
    );
    const simple = benchRequest('simple');
    const nereid = await startNereid(repo);
    // The bare server sends exactly Nereid's response bytes and headers.
    const bare = await startBareMirror(nereid.port, 'simple', simple);
    const results: Record<string, Measured[]> = {
      bare1: [],
      nereid1: [],
      bare16: [],
      nereid16: [],
      batched1: [],
      batched16: [],
      depth11: [],
      depth116: [],
    };
    // Unrecorded warm-up of every target (JIT tiers of the main and worker threads settle over
    // the first seconds; without it the first repetition is 2-3x slower).
    for (const [port, model] of [
      [bare.port, 'simple'],
      [nereid.port, 'simple'],
      [nereid.port, 'simple_batched'],
      [nereid.port, 'simple_depth1'],
    ] as const) {
      for (const concurrency of [16, 1]) {
        await runInferLoad(port, model, simple, {
          concurrency,
          threads: concurrency === 1 ? 1 : 2,
          warmupMs: 0,
          durationMs: WARMUP_MS,
        });
      }
    }
    console.log(
      `target                     conc   req/s     p50us    p99us  client errors  cpu us/req: main other client`,
    );
    type Target = readonly [name: string, port: number, model: string, pid: number];
    const bareTarget: Target = ['bare', bare.port, 'simple', bare.child.pid!];
    const nereidTarget: Target = ['nereid', nereid.port, 'simple', nereid.child.pid!];
    for (let rep = 0; rep < REPS; rep++) {
      // Each Nereid run right next to its bare run, in alternating order (bare first, then Nereid
      // first), so the machine's drift between seconds weighs on both sides of a pair alike.
      const pair = rep % 2 === 0 ? [bareTarget, nereidTarget] : [nereidTarget, bareTarget];
      const runs: [Target, number][] = [];
      for (const concurrency of [16, 1]) for (const target of pair) runs.push([target, concurrency]);
      for (const [name, model] of [
        ['batched', 'simple_batched'],
        ['depth1', 'simple_depth1'],
      ] as const) {
        for (const concurrency of [16, 1])
          runs.push([[name, nereid.port, model, nereid.child.pid!], concurrency]);
      }
      for (const [[name, port, model, pid], concurrency] of runs) {
        const meter = new CpuMeter(pid);
        const load = await runInferLoad(port, model, simple, {
          concurrency,
          threads: concurrency === 1 ? 1 : 2,
          durationMs: DURATION_MS,
        });
        const r: Measured = { ...load, cpu: meter.stop(load.totalRequests) };
        results[`${name}${concurrency}`]!.push(r);
        console.log(row(`${name} ${model} (rep ${rep + 1})`, r));
      }
    }
    await bare.stop();

    // Real model: server overhead share at batch 1, concurrency 1.
    const real = benchRequest('text_orientation');
    const before = await modelStatsOf(nereid.port, 'text_orientation');
    const realRun = await runLoad({
      origin: `http://127.0.0.1:${nereid.port}`,
      path: '/v2/models/text_orientation/infer',
      headers: real.headers,
      body: real.body,
      concurrency: 1,
      threads: 1,
      warmupMs: 500,
      durationMs: DURATION_MS,
    });
    const after = await modelStatsOf(nereid.port, 'text_orientation');
    await nereid.stop();
    const means = statMeansUs(before, after);
    const inferUs = means.compute_infer;
    const serverUs = means.success;
    const clientMeanUs = realRun.p50Us;
    console.log(row('nereid text_orientation b1', realRun));

    const med = (k: string, f: (r: Measured) => number) => median(results[k]!.map(f));
    const cpuOf = (k: string) => ({
      serverMainUs: med(k, (r) => r.cpu!.serverMainUs),
      serverOtherUs: med(k, (r) => r.cpu!.serverOtherUs),
      clientUs: med(k, (r) => r.cpu!.clientUs),
    });
    // Each repetition's Nereid run over the bare run next to it: the machine's drift between
    // repetitions cancels out of these.
    const c16PerPair = results.nereid16!.map((r, i) => r.throughputPerS / results.bare16![i]!.throughputPerS);
    const summary = {
      date: new Date().toISOString().slice(0, 10),
      reps: REPS,
      durationMs: DURATION_MS,
      simple: {
        c16: {
          bareThroughput: med('bare16', (r) => r.throughputPerS),
          nereidThroughput: med('nereid16', (r) => r.throughputPerS),
          ratio: med('nereid16', (r) => r.throughputPerS) / med('bare16', (r) => r.throughputPerS),
          perPairRatios: c16PerPair,
          medianPerPairRatio: median(c16PerPair),
          nereidP99Us: med('nereid16', (r) => r.p99Us),
          clientUtilization: Math.max(...results.nereid16!.map((r) => r.clientUtilization)),
          bareCpuPerRequest: cpuOf('bare16'),
          nereidCpuPerRequest: cpuOf('nereid16'),
        },
        c1: {
          bareP50Us: med('bare1', (r) => r.p50Us),
          nereidP50Us: med('nereid1', (r) => r.p50Us),
          addedUs: med('nereid1', (r) => r.p50Us) - med('bare1', (r) => r.p50Us),
          perPairAddedUs: results.nereid1!.map((r, i) => r.p50Us - results.bare1![i]!.p50Us),
        },
      },
      simpleBatched: {
        c16Throughput: med('batched16', (r) => r.throughputPerS),
        c16Ratio: med('batched16', (r) => r.throughputPerS) / med('bare16', (r) => r.throughputPerS),
        c1P50Us: med('batched1', (r) => r.p50Us),
        c1AddedUs: med('batched1', (r) => r.p50Us) - med('bare1', (r) => r.p50Us),
        c16CpuPerRequest: cpuOf('batched16'),
      },
      simpleWithoutPipelining: {
        c16Throughput: med('depth116', (r) => r.throughputPerS),
        c16Ratio: med('depth116', (r) => r.throughputPerS) / med('bare16', (r) => r.throughputPerS),
        pipeliningGain: med('nereid16', (r) => r.throughputPerS) / med('depth116', (r) => r.throughputPerS),
        c16CpuPerRequest: cpuOf('depth116'),
      },
      textOrientation: {
        clientP50Us: clientMeanUs,
        serverMeanUs: serverUs,
        computeInferMeanUs: inferUs,
        overheadShare: (clientMeanUs - inferUs) / clientMeanUs,
        serverOverheadShare: (serverUs - inferUs) / clientMeanUs,
      },
    };
    console.log(JSON.stringify(summary, null, 2));
    console.log(
      `\nsimple c16: Nereid/bare throughput = ${summary.simple.c16.ratio.toFixed(2)} (target >= 0.60; per repetition ${summary.simple.c16.perPairRatios.map((x) => x.toFixed(2)).join(', ')}, their median ${summary.simple.c16.medianPerPairRatio.toFixed(2)})` +
        `\nsimple c1: Nereid p50 - bare p50 = ${summary.simple.c1.addedUs.toFixed(0)} us (target <= 100 us; per repetition ${summary.simple.c1.perPairAddedUs.map((x) => x.toFixed(0)).join(', ')})` +
        `\nsimple_batched (1 instance + dynamic batching): c16 ${summary.simpleBatched.c16Ratio.toFixed(2)} x bare, c1 +${summary.simpleBatched.c1AddedUs.toFixed(0)} us` +
        `\nsimple without pipelining (nereid.max_in_flight 1): c16 ${summary.simpleWithoutPipelining.c16Ratio.toFixed(2)} x bare; pipelining buys ${summary.simpleWithoutPipelining.pipeliningGain.toFixed(2)}x` +
        `\ntext_orientation b1: model compute ${inferUs.toFixed(0)} us of ${clientMeanUs.toFixed(0)} us end to end; overhead share ${(summary.textOrientation.overheadShare * 100).toFixed(1)}%`,
    );
    writeFileSync(
      new URL('../../bench/results/http-overhead.json', import.meta.url),
      `${JSON.stringify(summary, null, 2)}\n`,
    );
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
}

await main();
