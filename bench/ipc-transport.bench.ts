/**
 * Benchmark (issue 19): which transport a process-isolated model instance should use, measured
 * side by side in one run. A forked child echoes messages shaped like the worker protocol's
 * EXECUTE/RESULT (a few numbers and one ArrayBuffer of packed tensors) over
 *   1. node's IPC channel with V8 ("advanced") serialization: the protocol objects as they are;
 *   2. a plain pipe carrying length-prefixed binary frames (what a hand-written record transport
 *      over a socketpair would cost at best: no object serialization at all).
 * One message in flight at a time (latency) and 16 (throughput), for a 128-byte and a 64 KiB
 * payload; the order alternates per repetition, medians are printed.
 * Run: `npm run build && node dist/bench/ipc-transport.bench.js` (BENCH_REPS overrides 5).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { median } from './lib/load-generator.js';

const REPS = Number(process.env.BENCH_REPS ?? 5);
const MESSAGES = 4000;
const PAYLOADS = [128, 65536] as const;
const DEPTHS = [1, 16] as const;

/** The child: echoes IPC messages, and binary frames from fd 4 back on fd 5 (fd 3 is the IPC channel). */
function child(): void {
  process.on('message', (msg) => process.send!(msg));
  const output = createWriteStream('', { fd: 5 });
  createReadStream('', { fd: 4 }).on('data', (chunk) => output.write(chunk));
  process.on('disconnect', () => process.exit(0));
}

type Transport = 'ipc-advanced' | 'binary-pipe';

/** Sends MESSAGES messages of `bytes` with `depth` in flight; returns µs per message. */
function ipcRun(worker: ChildProcess, bytes: number, depth: number): Promise<number> {
  return new Promise((resolve) => {
    let sent = 0;
    let received = 0;
    const start = performance.now();
    const send = () => {
      sent++;
      worker.send({ type: 2, id: sent, batchSize: 1, buffer: new ArrayBuffer(bytes), byteLength: bytes });
    };
    const onMessage = () => {
      received++;
      if (received === MESSAGES) {
        worker.off('message', onMessage);
        resolve(((performance.now() - start) * 1000) / MESSAGES);
      } else if (sent < MESSAGES) send();
    };
    worker.on('message', onMessage);
    for (let i = 0; i < depth; i++) send();
  });
}

function pipeRun(toChild: Writable, fromChild: Readable, bytes: number, depth: number): Promise<number> {
  return new Promise((resolve) => {
    const frame = Buffer.alloc(8 + bytes);
    frame.writeUInt32LE(bytes, 0);
    let sent = 0;
    let received = 0;
    let pending = 0;
    const start = performance.now();
    const send = () => {
      sent++;
      frame.writeUInt32LE(sent, 4);
      toChild.write(frame);
    };
    const onData = (chunk: Buffer) => {
      pending += chunk.length;
      while (pending >= frame.length) {
        pending -= frame.length;
        received++;
        if (received === MESSAGES) {
          fromChild.off('data', onData);
          resolve(((performance.now() - start) * 1000) / MESSAGES);
          return;
        }
        if (sent < MESSAGES) send();
      }
    };
    fromChild.on('data', onData);
    for (let i = 0; i < depth; i++) send();
  });
}

async function main(): Promise<void> {
  const worker = fork(fileURLToPath(import.meta.url), ['child'], {
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc', 'pipe', 'pipe'],
  });
  const toChild = worker.stdio[4] as Writable;
  const fromChild = (worker.stdio as unknown as Readable[])[5]!;
  const results = new Map<string, number[]>();
  for (let rep = 0; rep < REPS; rep++) {
    const order: Transport[] =
      rep % 2 === 0 ? ['ipc-advanced', 'binary-pipe'] : ['binary-pipe', 'ipc-advanced'];
    for (const bytes of PAYLOADS) {
      for (const depth of DEPTHS) {
        for (const transport of order) {
          const us =
            transport === 'ipc-advanced'
              ? await ipcRun(worker, bytes, depth)
              : await pipeRun(toChild, fromChild, bytes, depth);
          const key = `${transport} ${bytes} B depth ${depth}`;
          results.set(key, [...(results.get(key) ?? []), us]);
        }
      }
    }
  }
  worker.disconnect();
  toChild.end();
  console.log('payload  depth | ipc-advanced us/msg | binary-pipe us/msg | ipc / pipe');
  for (const bytes of PAYLOADS) {
    for (const depth of DEPTHS) {
      const ipc = median(results.get(`ipc-advanced ${bytes} B depth ${depth}`)!);
      const pipe = median(results.get(`binary-pipe ${bytes} B depth ${depth}`)!);
      console.log(
        `${String(bytes).padStart(6)} B ${String(depth).padStart(5)} | ${ipc.toFixed(1).padStart(19)} | ${pipe.toFixed(1).padStart(18)} | ${(ipc / pipe).toFixed(2)}`,
      );
    }
  }
}

if (process.argv[2] === 'child') child();
else await main();
