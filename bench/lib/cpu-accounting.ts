/**
 * CPU accounting for benchmarks (Linux): reads a process's per-thread CPU time from /proc, so a
 * benchmark can say where the 2 cores went: the server's main thread (HTTP, scheduling), its
 * model threads, and the load generator (this process). It measures; it does not interpret.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime/stime (USER_HZ, 100 on every Linux we run on). */
const TICKS_PER_S = 100;

/** CPU time of one process, split into its main thread and the rest, in µs. */
export interface ProcessCpu {
  /** The main thread (tid = pid): the event loop. */
  mainUs: number;
  /** Every other thread: workers (model instances), ONNX Runtime pools, libuv, V8 helpers. */
  otherUs: number;
}

function threadCpuUs(pid: number, tid: string): number {
  const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICKS_PER_S;
}

/** The thread ids of `pid` (its /proc task directory); none where /proc is not available. */
function threadIds(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
}

/** Reads the CPU time `pid` has used so far; zeros where /proc is not available. */
export function processCpu(pid: number): ProcessCpu {
  const out: ProcessCpu = { mainUs: 0, otherUs: 0 };
  for (const tid of threadIds(pid)) {
    let us = 0;
    try {
      us = threadCpuUs(pid, tid);
    } catch {
      continue; // the thread ended between the listing and the read
    }
    if (tid === String(pid)) out.mainUs += us;
    else out.otherUs += us;
  }
  return out;
}

/** The pids of `pid`'s child processes (Linux /proc/<pid>/task/<tid>/children); none where unreadable. */
function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const tid of threadIds(pid)) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ')) {
        if (c.trim() !== '') out.push(Number(c));
      }
    } catch {
      // the thread ended, or the kernel has no children file
    }
  }
  return out;
}

/** CPU µs of `pid`, every thread, plus its child processes (a node:cluster primary and its workers). */
export function processTreeCpuUs(pid: number): number {
  const own = processCpu(pid);
  let us = own.mainUs + own.otherUs;
  for (const child of childPids(pid)) us += processTreeCpuUs(child);
  return us;
}

/** CPU per request between two readings, in µs. */
export interface CpuPerRequest {
  /** Server main thread µs per request. */
  serverMainUs: number;
  /** Server model and helper threads µs per request. */
  serverOtherUs: number;
  /** Load generator (this process, all threads) µs per request. */
  clientUs: number;
  /** The server's every thread and child process µs per request (children that lived through the run). */
  serverTreeUs: number;
}

/** A running measurement: call `stop(requests)` after the load to get µs per request. */
export class CpuMeter {
  private readonly server0: ProcessCpu;
  private readonly client0: NodeJS.CpuUsage;
  private readonly tree0: number;

  /** Starts measuring server process `pid` and this process. */
  constructor(private readonly pid: number) {
    this.server0 = processCpu(pid);
    this.tree0 = processTreeCpuUs(pid);
    this.client0 = process.cpuUsage();
  }

  /** Ends the measurement over `requests` requests. */
  stop(requests: number): CpuPerRequest {
    const server = processCpu(this.pid);
    const tree = processTreeCpuUs(this.pid);
    const client = process.cpuUsage(this.client0);
    const n = Math.max(1, requests);
    return {
      serverMainUs: (server.mainUs - this.server0.mainUs) / n,
      serverOtherUs: (server.otherUs - this.server0.otherUs) / n,
      clientUs: (client.user + client.system) / n,
      serverTreeUs: (tree - this.tree0) / n,
    };
  }
}
