/**
 * E2E: the dashboard flags of `nereid serve` (the compiled CLI in a child process): the startup
 * log gives the dashboard's URL and the page is served; `--dashboard=false` removes both;
 * `--dashboard-max-clients` bounds the streams and refuses 0 at startup.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardUrl } from '../../../src/cli/serve-command.js';
import { type CliServer, runCli, startCliServer } from '../../helpers/cli-server.js';
import { exampleSubset } from '../../helpers/test-server.js';

let repository: ReturnType<typeof exampleSubset>;
const servers: CliServer[] = [];

beforeAll(() => {
  repository = exampleSubset(['simple']);
});

afterAll(async () => {
  for (const s of servers) await s.kill();
  repository.remove();
});

async function start(args: string[]): Promise<CliServer> {
  const s = await startCliServer(['--model-repository', repository.dir, '--allow-grpc=false', ...args]);
  servers.push(s);
  return s;
}

describe('nereid serve dashboard flags', () => {
  it('prints the dashboard URL at startup and serves the page there, its streams bounded by --dashboard-max-clients', async () => {
    const s = await start(['--dashboard-max-clients=1']);
    const url = `http://127.0.0.1:${s.httpPort}/dashboard/`;
    expect(s.stderr()).toContain(`Dashboard at ${url}\n`);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Nereid dashboard</title>');
    const first = new AbortController();
    const stream = await fetch(`${url}events`, { signal: first.signal });
    expect(stream.status).toBe(200);
    const second = await fetch(`${url}events`);
    expect(second.status).toBe(503);
    first.abort();
  });

  it('serves no dashboard and prints no URL with --dashboard=false', async () => {
    const s = await start(['--dashboard=false']);
    expect(s.stderr()).not.toContain('Dashboard at');
    expect((await fetch(`http://127.0.0.1:${s.httpPort}/dashboard/`)).status).toBe(404);
  });

  it('refuses --dashboard-max-clients=0 before loading any model', async () => {
    const r = await runCli(['--model-repository', repository.dir, '--dashboard-max-clients=0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--dashboard-max-clients must be >= 1: received 0');
    expect(r.stderr).not.toContain('| simple');
  });

  it('gives a URL a browser on this host can open for a wildcard bind address', () => {
    const at = (address: string, family: string): AddressInfo => ({ address, family, port: 8000 });
    expect(dashboardUrl(at('0.0.0.0', 'IPv4'), false)).toBe('http://localhost:8000/dashboard/');
    expect(dashboardUrl(at('::', 'IPv6'), true)).toBe('https://localhost:8000/dashboard/');
    expect(dashboardUrl(at('::1', 'IPv6'), false)).toBe('http://[::1]:8000/dashboard/');
    expect(dashboardUrl(at('10.1.2.3', 'IPv4'), false)).toBe('http://10.1.2.3:8000/dashboard/');
  });
});
