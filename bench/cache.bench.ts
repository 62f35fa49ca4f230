/**
 * Benchmark (issue 8): the response cache against its limits, measured side by side in one run.
 *   1. HTTP throughput at concurrency 16 of local-cache hits on `simple_cached` against the
 *      uncached `simple` (same model, same request; target >= 0.9x) and against the bare node:http
 *      server answering the same bytes (the frontend's ceiling).
 *   2. In-process Redis: p50 of `RedisCache.lookup()` hits (GET + decode) against a direct GET of
 *      the same entry bytes with the same node-redis client (target: at most +150 us).
 *   3. HTTP p50 at concurrency 1 of a Redis-cache hit against a local-cache hit (informative).
 * Runs alternate three times; medians are reported. Run: `npm run build && node dist/bench/cache.bench.js`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../src/common/logger.js';
import { buildEntry, cacheKey, RedisCache } from '../src/core/cache/index.js';
import { buildExampleRepository } from '../src/tools/examples/index.js';
import { binaryRequest } from './lib/binary-request.js';
import { type LoadResult, median, percentile, runInferLoad } from './lib/load-generator.js';
import { startBareMirror, startNereid } from './lib/server-process.js';

const REPS = Number(process.env.BENCH_REPS ?? 3);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 3000);
const REDIS_LOOKUPS = Number(process.env.BENCH_REDIS_LOOKUPS ?? 5000);

function row(name: string, r: LoadResult): string {
  return `${name.padEnd(30)} ${String(r.concurrency).padStart(3)} ${r.throughputPerS.toFixed(0).padStart(9)} ${r.p50Us.toFixed(0).padStart(8)} ${r.p99Us.toFixed(0).padStart(8)} ${(r.clientUtilization * 100).toFixed(0).padStart(5)}%  ${r.errors}`;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startRedis(): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
  });
  return { port, child };
}

/** p50 and p99 in µs of `n` sequential awaited calls of `fn`, in alternating blocks with `other`. */
async function alternate(
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  n: number,
): Promise<{ a: Float64Array; b: Float64Array }> {
  const ta = new Float64Array(n);
  const tb = new Float64Array(n);
  const block = 500;
  for (let i = 0; i < n; i += block) {
    for (let j = i; j < Math.min(n, i + block); j++) {
      const t0 = performance.now();
      await a();
      ta[j] = (performance.now() - t0) * 1000;
    }
    for (let j = i; j < Math.min(n, i + block); j++) {
      const t0 = performance.now();
      await b();
      tb[j] = (performance.now() - t0) * 1000;
    }
  }
  return { a: ta.sort(), b: tb.sort() };
}

async function main(): Promise<void> {
  const repo = mkdtempSync(join(tmpdir(), 'nereid-bench-cache-'));
  const redis = await startRedis();
  try {
    buildExampleRepository(repo);
    cpSync(join(repo, 'simple'), join(repo, 'simple_cached'), { recursive: true });
    const config = readFileSync(join(repo, 'simple', 'config.pbtxt'), 'utf8').replace(
      'name: "simple"',
      'name: "simple_cached"',
    );
    writeFileSync(
      join(repo, 'simple_cached', 'config.pbtxt'),
      `${config}\nresponse_cache { enable: true }\n`,
    );

    const a = new Int32Array(16).map((_, i) => i);
    const b = new Int32Array(16).fill(1);
    const simpleInputs = [
      { name: 'INPUT0', datatype: 'INT32', shape: [1, 16], data: new Uint8Array(a.buffer) },
      { name: 'INPUT1', datatype: 'INT32', shape: [1, 16], data: new Uint8Array(b.buffer) },
    ];
    const request = binaryRequest(simpleInputs);

    // 1. Local cache hits vs the uncached model vs the bare HTTP server.
    const local = await startNereid(repo, ['--cache-config', 'local,size=67108864']);
    const bare = await startBareMirror(local.port, 'simple_cached', request);
    const results: Record<string, LoadResult[]> = {
      bare: [],
      uncached: [],
      hit: [],
      hit1: [],
      redisHit1: [],
    };
    const targets = [
      ['bare', bare.port, 'simple'],
      ['uncached', local.port, 'simple'],
      ['hit', local.port, 'simple_cached'],
    ] as const;
    console.log('target                         conc   req/s     p50us    p99us  client errors');
    for (let rep = 0; rep < REPS; rep++) {
      for (const [name, port, model] of targets) {
        const r = await runInferLoad(port, model, request, {
          concurrency: 16,
          threads: 2,
          durationMs: DURATION_MS,
        });
        results[name]!.push(r);
        console.log(row(`${name} (rep ${rep + 1})`, r));
      }
    }
    await bare.stop();

    // 3. HTTP c1: Redis-cache hit vs local-cache hit.
    const viaRedis = await startNereid(repo, ['--cache-config', `redis,host=127.0.0.1,port=${redis.port}`]);
    for (let rep = 0; rep < REPS; rep++) {
      for (const [name, port] of [
        ['hit1', local.port],
        ['redisHit1', viaRedis.port],
      ] as const) {
        const r = await runInferLoad(port, 'simple_cached', request, {
          concurrency: 1,
          threads: 1,
          durationMs: DURATION_MS,
        });
        results[name]!.push(r);
        console.log(row(`${name} (rep ${rep + 1})`, r));
      }
    }
    await viaRedis.stop();
    await local.stop();

    // 2. In-process: RedisCache hit vs a direct GET of the same bytes with the same client.
    const cache = new RedisCache(
      { host: '127.0.0.1', port: redis.port, keyPrefix: 'bench:' },
      { logger: silentLogger },
    );
    if (!(await cache.connect(5000))) throw new Error('Redis did not connect');
    const key = cacheKey(
      'simple_cached',
      '1',
      simpleInputs.map((t) => ({ ...t, datatype: 'INT32' as const })),
      null,
    );
    const sum = new Int32Array(16).map((_, i) => a[i]! + b[i]!);
    const diff = new Int32Array(16).map((_, i) => a[i]! - b[i]!);
    cache.insert(
      key,
      buildEntry([
        {
          outputs: [
            { name: 'OUTPUT0', datatype: 'INT32', shape: [1, 16], data: new Uint8Array(sum.buffer) },
            { name: 'OUTPUT1', datatype: 'INT32', shape: [1, 16], data: new Uint8Array(diff.buffer) },
          ],
          parameters: null,
          final: true,
        },
      ]),
    );
    await cache.flush();
    const client = cache.clients[0]!;
    const fullKey = `bench:${key}`;
    const redisRuns: { lookupP50Us: number; getP50Us: number; lookupP99Us: number; getP99Us: number }[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      const t = await alternate(
        async () => {
          if ((await cache.lookup(key)) === null) throw new Error('Redis lookup missed');
        },
        () => client.get(fullKey),
        REDIS_LOOKUPS,
      );
      const run = {
        lookupP50Us: percentile(t.a, 50),
        getP50Us: percentile(t.b, 50),
        lookupP99Us: percentile(t.a, 99),
        getP99Us: percentile(t.b, 99),
      };
      redisRuns.push(run);
      console.log(
        `redis in-process (rep ${rep + 1}): lookup p50 ${run.lookupP50Us.toFixed(1)} us, GET p50 ${run.getP50Us.toFixed(1)} us (p99 ${run.lookupP99Us.toFixed(0)} / ${run.getP99Us.toFixed(0)} us)`,
      );
    }
    await cache.close();

    const med = (k: string, f: (r: LoadResult) => number) => median(results[k]!.map(f));
    const lookupP50 = median(redisRuns.map((r) => r.lookupP50Us));
    const getP50 = median(redisRuns.map((r) => r.getP50Us));
    const summary = {
      date: new Date().toISOString().slice(0, 10),
      reps: REPS,
      durationMs: DURATION_MS,
      localC16: {
        bareThroughput: med('bare', (r) => r.throughputPerS),
        uncachedThroughput: med('uncached', (r) => r.throughputPerS),
        hitThroughput: med('hit', (r) => r.throughputPerS),
        hitOverUncached: med('hit', (r) => r.throughputPerS) / med('uncached', (r) => r.throughputPerS),
        hitOverBare: med('hit', (r) => r.throughputPerS) / med('bare', (r) => r.throughputPerS),
        clientUtilization: Math.max(...results.hit!.map((r) => r.clientUtilization)),
      },
      redisInProcess: {
        lookups: REDIS_LOOKUPS,
        lookupP50Us: lookupP50,
        directGetP50Us: getP50,
        addedP50Us: lookupP50 - getP50,
      },
      httpC1: {
        localHitP50Us: med('hit1', (r) => r.p50Us),
        redisHitP50Us: med('redisHit1', (r) => r.p50Us),
        addedP50Us: med('redisHit1', (r) => r.p50Us) - med('hit1', (r) => r.p50Us),
      },
    };
    console.log(JSON.stringify(summary, null, 2));
    console.log(
      `\nlocal hits / uncached simple throughput = ${summary.localC16.hitOverUncached.toFixed(2)} (target >= 0.90)` +
        `\nlocal hits / bare HTTP throughput = ${summary.localC16.hitOverBare.toFixed(2)}` +
        `\nRedis hit p50 - direct GET p50 = ${summary.redisInProcess.addedP50Us.toFixed(1)} us (target <= 150 us)` +
        `\nHTTP c1: Redis hit p50 - local hit p50 = ${summary.httpC1.addedP50Us.toFixed(0)} us`,
    );
    writeFileSync(
      new URL('../../bench/results/cache.json', import.meta.url),
      `${JSON.stringify(summary, null, 2)}\n`,
    );
  } finally {
    redis.child.kill('SIGTERM');
    rmSync(repo, { recursive: true, force: true });
  }
}

await main();
