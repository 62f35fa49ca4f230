/**
 * Triton's host gauges `nv_cpu_utilization`, `nv_cpu_memory_total_bytes` and
 * `nv_cpu_memory_used_bytes`, read like Triton from /proc/stat and /proc/meminfo (with the `os`
 * module where /proc is missing) and refreshed every `--metrics-interval-ms`, not per scrape.
 * Process-level figures (this process's CPU seconds and RSS) come from prom-client's defaults.
 */
import { readFileSync } from 'node:fs';
import { cpus, freemem, totalmem } from 'node:os';
import { Gauge, type Registry } from 'prom-client';

/** Cumulative CPU time of the whole machine, in clock ticks (or ms with the `os` fallback). */
export interface CpuTimes {
  /** Time not idle. */
  busy: number;
  /** All time. */
  total: number;
}

/** Reads the aggregate `cpu` line of /proc/stat (idle = idle + iowait, as Triton does). */
export function readCpuTimes(): CpuTimes {
  try {
    const text = readFileSync('/proc/stat', 'latin1');
    const line = text.slice(0, text.indexOf('\n'));
    const fields = line.trim().split(/\s+/);
    if (fields[0] === 'cpu') {
      // user nice system idle iowait irq softirq steal (guest times are already in user/nice)
      let total = 0;
      for (let i = 1; i <= 8 && i < fields.length; i++) total += Number(fields[i]);
      const idle = Number(fields[4]) + Number(fields[5] ?? 0);
      return { busy: total - idle, total };
    }
  } catch {
    // not Linux: fall through
  }
  let busy = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const t = cpu.times;
    busy += t.user + t.nice + t.sys + t.irq;
    total += t.user + t.nice + t.sys + t.irq + t.idle;
  }
  return { busy, total };
}

/** Machine memory in bytes: total and used (total - MemAvailable, as Triton does). */
export function readMemory(): { totalBytes: number; usedBytes: number } {
  try {
    const text = readFileSync('/proc/meminfo', 'latin1');
    const total = /^MemTotal:\s+(\d+) kB/m.exec(text);
    const available = /^MemAvailable:\s+(\d+) kB/m.exec(text);
    if (total !== null && available !== null) {
      const totalBytes = Number(total[1]) * 1024;
      return { totalBytes, usedBytes: totalBytes - Number(available[1]) * 1024 };
    }
  } catch {
    // not Linux: fall through
  }
  return { totalBytes: totalmem(), usedBytes: totalmem() - freemem() };
}

/** The three host gauges and their refresh timer. */
export class CpuMetrics {
  private readonly utilization: Gauge;
  private readonly memoryTotal: Gauge;
  private readonly memoryUsed: Gauge;
  private last: CpuTimes;
  private timer: NodeJS.Timeout | null = null;

  constructor(registry: Registry) {
    this.utilization = new Gauge({
      name: 'nv_cpu_utilization',
      help: 'CPU utilization rate [0.0 - 1.0], all cores, over the last metrics interval',
      registers: [registry],
    });
    this.memoryTotal = new Gauge({
      name: 'nv_cpu_memory_total_bytes',
      help: 'CPU total memory (RAM), in bytes',
      registers: [registry],
    });
    this.memoryUsed = new Gauge({
      name: 'nv_cpu_memory_used_bytes',
      help: 'CPU used memory (RAM), in bytes',
      registers: [registry],
    });
    this.last = readCpuTimes();
    this.utilization.set(0);
    this.refreshMemory();
  }

  /** Refreshes the gauges every `intervalMs` (the timer does not keep the process alive). */
  start(intervalMs: number): void {
    this.stop();
    this.timer = setInterval(() => this.refresh(), intervalMs);
    this.timer.unref();
  }

  /** Stops refreshing. */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Samples now: utilization since the previous sample, memory as of now. */
  refresh(): void {
    const now = readCpuTimes();
    const total = now.total - this.last.total;
    const busy = now.busy - this.last.busy;
    if (total > 0) this.utilization.set(Math.min(1, Math.max(0, busy / total)));
    this.last = now;
    this.refreshMemory();
  }

  private refreshMemory(): void {
    const memory = readMemory();
    this.memoryTotal.set(memory.totalBytes);
    this.memoryUsed.set(memory.usedBytes);
  }
}
