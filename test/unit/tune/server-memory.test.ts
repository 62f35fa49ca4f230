/** Unit: reading a server's resident memory from /proc and from a real Prometheus endpoint. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  defaultMetricsUrl,
  metricsMemoryProbe,
  processMemoryProbe,
  rssFromMetrics,
  rssFromProcStatus,
} from '../../../src/tools/tune/index.js';

describe('server memory', () => {
  it('parses VmRSS of a /proc status text and the resident memory gauge of a metrics text', () => {
    expect(rssFromProcStatus('Name:\tnode\nVmHWM:\t  178716 kB\nVmRSS:\t  142692 kB\n')).toBe(142692 * 1024);
    expect(rssFromProcStatus('Name:\tnode\n')).toBeNull();
    expect(
      rssFromMetrics(
        '# TYPE nereid_process_resident_memory_bytes gauge\nnereid_process_resident_memory_bytes 153464832\n',
      ),
    ).toBe(153464832);
    expect(rssFromMetrics('process_resident_memory_bytes 1.5e+08\n')).toBe(150_000_000);
    expect(rssFromMetrics('nv_inference_count 3\n')).toBeNull();
  });

  it("reads a live process's resident memory from /proc/<pid>/status", async () => {
    const rss = await processMemoryProbe(process.pid).readRssBytes();
    expect(rss).toBeGreaterThan(process.memoryUsage().heapUsed);
    expect(await processMemoryProbe(2 ** 22 + 12345).readRssBytes()).toBeNull();
  });

  it('scrapes the gauge from a metrics endpoint and answers null when it cannot', async () => {
    const server = createServer((req, res) => {
      res.end(req.url === '/metrics' ? 'nereid_process_resident_memory_bytes 2000000\n' : 'nothing here\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      expect(await metricsMemoryProbe(`127.0.0.1:${port}`).readRssBytes()).toBe(2_000_000);
      expect(await metricsMemoryProbe(`http://127.0.0.1:${port}/other`).readRssBytes()).toBeNull();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await metricsMemoryProbe(`127.0.0.1:${port}`).readRssBytes()).toBeNull();
    expect(defaultMetricsUrl('http://gpu-box:8000/prefix')).toBe('http://gpu-box:8002/metrics');
    expect(defaultMetricsUrl('localhost:8001')).toBe('http://localhost:8002/metrics');
  });
});
