/**
 * E2E: the network flags of `nereid serve` (the compiled CLI in a child process). HTTPS and gRPC
 * mutual TLS from certificate files, with the startup lines saying so; the bounds in force are
 * printed; and bad combinations stop the server before any model loads, with exit code 2 and a
 * message naming the flag.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcClient, HttpClient } from '../../../src/client/index.js';
import { type CliServer, runCli, startCliServer } from '../../helpers/cli-server.js';
import { exampleSubset } from '../../helpers/test-server.js';
import { makeTestCertificates, type TestCertificates } from '../../helpers/tls-certificates.js';

let certs: TestCertificates;
let repository: ReturnType<typeof exampleSubset>;
const servers: CliServer[] = [];

beforeAll(() => {
  certs = makeTestCertificates();
  repository = exampleSubset(['simple']);
});

afterAll(async () => {
  for (const s of servers) await s.kill();
  certs.remove();
  repository.remove();
});

/** Starts `nereid serve` on the test repository (127.0.0.1, free ports) with `args`. */
async function start(args: string[]): Promise<CliServer> {
  const s = await startCliServer(['--model-repository', repository.dir, '--allow-metrics=false', ...args]);
  servers.push(s);
  return s;
}

describe('nereid serve network flags', () => {
  it('serves HTTPS and gRPC with mutual TLS from certificate files and says so at startup', async () => {
    const s = await start([
      '--http-use-ssl',
      `--http-server-cert=${certs.server.certFile}`,
      `--http-server-key=${certs.server.keyFile}`,
      '--grpc-use-ssl-mutual=true',
      `--grpc-server-cert=${certs.server.certFile}`,
      `--grpc-server-key=${certs.server.keyFile}`,
      `--grpc-root-cert=${certs.ca.certFile}`,
      '--http-max-connections=77',
      '--grpc-max-message-size=1048576',
    ]);
    expect(s.stderr()).toContain('HTTPService: HTTPS\n');
    expect(s.stderr()).toContain('at most 77 connections');
    expect(s.stderr()).toContain('GRPCInferenceService: TLS, client certificates required');
    expect(s.stderr()).toContain('GRPCInferenceService: messages received up to 1048576 bytes');
    const http = new HttpClient(`https://127.0.0.1:${s.httpPort}`, { tls: { caPem: certs.ca.certPem } });
    const grpc = new GrpcClient(`127.0.0.1:${s.grpcPort}`, {
      tls: {
        caPem: certs.ca.certPem,
        certPem: certs.client.certPem,
        keyPem: certs.client.keyPem,
        serverName: 'localhost',
      },
    });
    try {
      expect(await http.isServerReady()).toBe(true);
      expect(await grpc.isServerLive()).toBe(true);
    } finally {
      await http.close();
      grpc.close();
    }
    s.child.kill('SIGTERM');
  });

  it('says when a wildcard address accepts connections on every interface', async () => {
    const s = await start(['--http-address=0.0.0.0', '--grpc-address=0.0.0.0']);
    expect(s.stderr()).toMatch(
      /HTTPService on 0\.0\.0\.0 accepts connections on every network interface \(.*127\.0\.0\.1/,
    );
    expect(s.stderr()).toContain('--http-address=127.0.0.1 keeps it on this host');
    expect(s.stderr()).toContain(
      'GRPCInferenceService on 0.0.0.0 accepts connections on every network interface',
    );
    s.child.kill('SIGTERM');
  });

  it.each([
    [['--http-use-ssl'], '--http-use-ssl needs --http-server-cert and --http-server-key'],
    [
      ['--grpc-use-ssl-mutual', '--grpc-server-cert=CERT', '--grpc-server-key=KEY'],
      '--grpc-use-ssl-mutual needs --grpc-root-cert (the CA of client certificates)',
    ],
    [
      ['--http-use-ssl', '--http-server-cert=/nonexistent.pem'],
      "Cannot read --http-server-cert '/nonexistent.pem': ENOENT",
    ],
    [
      ['--http-use-ssl', '--http-server-cert=CERT', '--http-server-key=CAKEY'],
      'Cannot use --http-server-cert with --http-server-key',
    ],
    [
      ['--http-header-timeout-ms=5000', '--http-request-timeout-ms=1000'],
      '--http-header-timeout-ms must be <= --http-request-timeout-ms: received 5000 > 1000',
    ],
    [['--http-max-connections=-1'], '--http-max-connections must be a non-negative integer: received -1'],
    [
      ['--http-max-input-size=1000', '--http-max-inflight-bytes=999'],
      '--http-max-inflight-bytes must be >= --http-max-input-size: received 999 < 1000',
    ],
    [['--grpc-max-message-size=0'], '--grpc-max-message-size must be between 1 and 2147483647: received 0'],
  ])('refuses %j before loading a model: %s', async (args, message) => {
    const files = args.map((a) =>
      a
        .replace('=CERT', `=${certs.server.certFile}`)
        .replace('=KEY', `=${certs.server.keyFile}`)
        .replace('=CAKEY', `=${certs.ca.keyFile}`),
    );
    const r = await runCli([
      '--model-repository',
      repository.dir,
      '--http-port=0',
      '--grpc-port=0',
      ...files,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toContain('Loaded model');
  });
});
