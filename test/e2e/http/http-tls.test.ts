/**
 * E2E: the HTTP frontend over TLS (HTTPS) with real certificates made by openssl, talked to with
 * the project's HttpClient: inference over HTTPS, a client that does not trust the server's CA is
 * refused, and with mutual TLS a client without a certificate, or with one from another CA, is
 * refused while one with a certificate from the configured CA is served.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientErrorCode, HttpClient } from '../../../src/client/index.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import { clientTls, serverTls, simpleInputs, useTlsTestFixture } from '../../helpers/tls-certificates.js';

const fixture = useTlsTestFixture();
const inputs = () => simpleInputs(2, 1);

describe('HTTPS frontend', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      modelRepositories: [fixture.repositoryDir],
      http: { tls: serverTls(fixture.certs) },
    });
  });
  afterAll(() => t.close());

  it('serves inference over HTTPS to the project client that trusts the server CA', async () => {
    expect(t.baseUrl).toMatch(/^https:/);
    const client = new HttpClient(t.baseUrl, { tls: clientTls(fixture.certs) });
    try {
      const result = await client.infer('simple', inputs());
      expect(Array.from(result.output<Int32Array>('OUTPUT0'))).toEqual(new Array(16).fill(3));
      expect(await client.isServerReady()).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('is refused by a client that does not trust the server certificate', async () => {
    const client = new HttpClient(t.baseUrl, { tls: { caPem: fixture.certs.strangerClient.certPem } });
    try {
      await expect(client.isServerLive()).rejects.toMatchObject({ code: ClientErrorCode.CONNECTION });
    } finally {
      await client.close();
    }
  });

  it('does not answer plain HTTP on the HTTPS port', async () => {
    const client = new HttpClient(t.baseUrl.replace('https:', 'http:'), { timeoutMs: 3000 });
    try {
      await expect(client.isServerLive()).rejects.toBeInstanceOf(Error);
    } finally {
      await client.close();
    }
  });
});

describe('HTTPS frontend with mutual TLS', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      modelRepositories: [fixture.repositoryDir],
      http: {
        tls: serverTls(fixture.certs, true),
      },
    });
  });
  afterAll(() => t.close());

  it('refuses a client without a certificate', async () => {
    const client = new HttpClient(t.baseUrl, { tls: clientTls(fixture.certs) });
    try {
      await expect(client.infer('simple', inputs())).rejects.toMatchObject({
        code: ClientErrorCode.CONNECTION,
      });
    } finally {
      await client.close();
    }
  });

  it('refuses a client whose certificate comes from another CA', async () => {
    const client = new HttpClient(t.baseUrl, {
      tls: clientTls(fixture.certs, fixture.certs.strangerClient),
    });
    try {
      await expect(client.isServerLive()).rejects.toMatchObject({ code: ClientErrorCode.CONNECTION });
    } finally {
      await client.close();
    }
  });

  it('serves a client with a certificate from the configured root CA', async () => {
    const client = new HttpClient(t.baseUrl, {
      tls: clientTls(fixture.certs, fixture.certs.client),
    });
    try {
      const result = await client.infer('simple', inputs());
      expect(Array.from(result.output<Int32Array>('OUTPUT1'))).toEqual(new Array(16).fill(1));
    } finally {
      await client.close();
    }
  });
});

describe('HttpClient TLS options', () => {
  it('refuses TLS options with an http:// URL', () => {
    expect(() => new HttpClient('http://127.0.0.1:1', { tls: clientTls(fixture.certs) })).toThrow(
      "TLS options need an https:// URL: received 'http://127.0.0.1:1'",
    );
  });
});
