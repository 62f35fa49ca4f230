/**
 * E2E: the gRPC frontend over TLS with real certificates made by openssl (Triton's --grpc-use-ssl
 * and --grpc-use-ssl-mutual), talked to with the project's GrpcClient: ModelInfer over TLS, a
 * plain-text client is not served, and with mutual TLS a client without a certificate is refused
 * while one with a certificate from the configured CA is served.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcClient } from '../../../src/client/index.js';
import { startTestGrpcServer, type TestGrpcServer } from '../../helpers/test-grpc-server.js';
import { clientTls, serverTls, simpleInputs, useTlsTestFixture } from '../../helpers/tls-certificates.js';

const fixture = useTlsTestFixture();
const inputs = () => simpleInputs(5, 2);

/** The client's address; the server's certificate names localhost (an IP as TLS server name is deprecated). */
const target = (t: TestGrpcServer) => t.grpcAddress;
const serverName = 'localhost';

describe('gRPC frontend over TLS', () => {
  let t: TestGrpcServer;
  beforeAll(async () => {
    t = await startTestGrpcServer({
      modelRepositories: [fixture.repositoryDir],
      grpc: { tls: serverTls(fixture.certs) },
    });
  });
  afterAll(() => t.close());

  it('answers ModelInfer to the project client that trusts the server CA', async () => {
    const client = new GrpcClient(target(t), { tls: clientTls(fixture.certs, undefined, serverName) });
    try {
      const result = await client.infer('simple', inputs());
      expect(Array.from(result.output<Int32Array>('OUTPUT0'))).toEqual(new Array(16).fill(7));
    } finally {
      client.close();
    }
  });

  it('does not serve a plain-text client', async () => {
    const client = new GrpcClient(target(t), { timeoutMs: 3000 });
    try {
      await expect(client.isServerLive()).rejects.toMatchObject({ grpcCode: 14 });
    } finally {
      client.close();
    }
  });
});

describe('gRPC frontend with mutual TLS', () => {
  let t: TestGrpcServer;
  beforeAll(async () => {
    t = await startTestGrpcServer({
      modelRepositories: [fixture.repositoryDir],
      grpc: {
        tls: serverTls(fixture.certs, true),
      },
    });
  });
  afterAll(() => t.close());

  it('refuses a client without a certificate', async () => {
    const client = new GrpcClient(target(t), {
      tls: clientTls(fixture.certs, undefined, serverName),
      timeoutMs: 3000,
    });
    try {
      await expect(client.isServerLive()).rejects.toMatchObject({ grpcCode: 14 });
    } finally {
      client.close();
    }
  });

  it('refuses a client whose certificate comes from another CA', async () => {
    const client = new GrpcClient(target(t), {
      tls: clientTls(fixture.certs, fixture.certs.strangerClient, serverName),
      timeoutMs: 3000,
    });
    try {
      await expect(client.isServerLive()).rejects.toMatchObject({ grpcCode: 14 });
    } finally {
      client.close();
    }
  });

  it('serves a client with a certificate from the configured root CA', async () => {
    const client = new GrpcClient(target(t), {
      tls: clientTls(fixture.certs, fixture.certs.client, serverName),
    });
    try {
      const result = await client.infer('simple', inputs());
      expect(Array.from(result.output<Int32Array>('OUTPUT1'))).toEqual(new Array(16).fill(3));
    } finally {
      client.close();
    }
  });
});

describe('GrpcClient TLS options', () => {
  it('refuses credentials and tls together', async () => {
    const { credentials } = await import('@grpc/grpc-js');
    expect(
      () =>
        new GrpcClient('127.0.0.1:1', {
          credentials: credentials.createInsecure(),
          tls: clientTls(fixture.certs, undefined, serverName),
        }),
    ).toThrow('GrpcClient takes either credentials or tls, not both');
  });
});
