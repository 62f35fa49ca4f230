/**
 * E2E: `nereid serve` in a child process limited to 256 open files (prlimit) against more
 * half-header sockets than it has descriptors. The default --http-max-connections (half the
 * open-file limit) keeps HTTP from taking every descriptor: the extra connections are refused and
 * logged, a new gRPC client is served during the attack, the header timeout then closes the held
 * sockets without the attacker's help, and a new HTTP client is served again. Without the bound
 * the server held every socket and refused new HTTP and gRPC clients alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcClient, HttpClient, tensor } from '../../../src/client/index.js';
import { type CliServer, startCliServer } from '../../helpers/cli-server.js';
import { HALF_HEADER, type RawSocket, rawSocket, sleep } from '../../helpers/raw-http-socket.js';
import { exampleSubset } from '../../helpers/test-server.js';

const OPEN_FILE_LIMIT = 256;
const SOCKETS = 300;

let repository: ReturnType<typeof exampleSubset>;
const sockets: RawSocket[] = [];
const servers: CliServer[] = [];

beforeAll(() => {
  repository = exampleSubset(['simple']);
});

afterAll(async () => {
  for (const s of sockets) s.socket.destroy();
  for (const s of servers) await s.kill();
  repository.remove();
});

describe('HTTP connection bound under a descriptor limit', () => {
  it('keeps descriptors for gRPC and new HTTP clients when more half-header sockets arrive than the server has descriptors', async () => {
    const server = await startCliServer(
      ['--model-repository', repository.dir, '--allow-metrics=false', '--http-header-timeout-ms=2000'],
      { wrapper: ['prlimit', `--nofile=${OPEN_FILE_LIMIT}:${OPEN_FILE_LIMIT}`, '--'] },
    );
    servers.push(server);
    expect(server.stderr()).toContain(`at most ${OPEN_FILE_LIMIT / 2} connections`);
    for (let i = 0; i < SOCKETS; i++) sockets.push(rawSocket(server.httpPort, HALF_HEADER));
    const closedBy = sockets.map(() => false);
    sockets.forEach((s, i) => void s.closed.then(() => (closedBy[i] = true)));
    await Promise.all(sockets.map((s) => s.connected.catch(() => {})));
    await sleep(300);
    const held = closedBy.filter((c) => !c).length;
    expect(held).toBe(OPEN_FILE_LIMIT / 2);
    expect(server.stderr()).toContain(`${OPEN_FILE_LIMIT / 2} connections are open (--http-max-connections)`);

    const grpc = new GrpcClient(`127.0.0.1:${server.grpcPort}`, { timeoutMs: 5000 });
    try {
      expect(await grpc.isServerLive()).toBe(true);
    } finally {
      grpc.close();
    }

    // The header timeout frees the held sockets; the attacker does nothing.
    const all = await Promise.all(sockets.map((s) => s.closed));
    expect(all.filter((c) => c.text.includes('408 Request Timeout'))).toHaveLength(OPEN_FILE_LIMIT / 2);
    const http = new HttpClient(`http://127.0.0.1:${server.httpPort}`);
    try {
      const result = await http.infer('simple', [
        tensor('INPUT0', 'INT32', [1, 16], new Int32Array(16).fill(6)),
        tensor('INPUT1', 'INT32', [1, 16], new Int32Array(16).fill(6)),
      ]);
      expect(Array.from(result.output<Int32Array>('OUTPUT1'))).toEqual(new Array(16).fill(0));
    } finally {
      await http.close();
    }
  }, 30_000);
});
