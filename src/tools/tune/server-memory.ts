/**
 * Reading the server's resident memory (RSS) while a configuration serves: from
 * `/proc/<pid>/status` when tune started the server itself, or from the
 * `nereid_process_resident_memory_bytes` gauge on a running server's Prometheus endpoint.
 * Neither throws: a probe that cannot read answers null, and the report says memory is unknown.
 */
import { readFile } from 'node:fs/promises';

/** A source of the server's resident memory. */
export interface MemoryProbe {
  /** Where the figure comes from, for the report. */
  readonly source: string;
  /** The server's resident memory in bytes, or null when it cannot be read. */
  readRssBytes(): Promise<number | null>;
}

/** How long a metrics scrape may take, ms. */
const SCRAPE_TIMEOUT_MS = 3000;

/** The `VmRSS` line of a /proc status text, in bytes, or null. */
export function rssFromProcStatus(text: string): number | null {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(text);
  return m === null ? null : Number(m[1]) * 1024;
}

/** The resident memory gauge of a Prometheus text exposition, in bytes, or null. */
export function rssFromMetrics(text: string): number | null {
  const m = /^(?:nereid_)?process_resident_memory_bytes(?:\{[^}]*\})? ([0-9.eE+]+)$/m.exec(text);
  return m === null ? null : Number(m[1]);
}

/** Reads `/proc/<pid>/status` of a local process. */
export function processMemoryProbe(pid: number): MemoryProbe {
  return {
    source: `/proc/${pid}/status`,
    async readRssBytes() {
      try {
        return rssFromProcStatus(await readFile(`/proc/${pid}/status`, 'utf8'));
      } catch {
        return null;
      }
    },
  };
}

/** The metrics URL of a server at `serverUrl` (its host, port 8002), as `http://host:8002/metrics`. */
export function defaultMetricsUrl(serverUrl: string): string {
  const parsed = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(serverUrl) ? serverUrl : `http://${serverUrl}`);
  return `http://${parsed.hostname.includes(':') ? `[${parsed.hostname}]` : parsed.hostname}:8002/metrics`;
}

/** Scrapes a Prometheus endpoint (`host:port` or a URL; `/metrics` added when there is no path). */
export function metricsMemoryProbe(metricsUrl: string): MemoryProbe {
  const parsed = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(metricsUrl) ? metricsUrl : `http://${metricsUrl}`);
  if (parsed.pathname === '/' || parsed.pathname === '') parsed.pathname = '/metrics';
  const url = parsed.toString();
  return {
    source: url,
    async readRssBytes() {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) });
        return res.ok ? rssFromMetrics(await res.text()) : null;
      } catch {
        return null;
      }
    },
  };
}
