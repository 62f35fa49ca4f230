/**
 * Real certificates for the TLS tests, made with the system's `openssl` in a temporary directory:
 * a CA, a server certificate for localhost / 127.0.0.1 signed by it, a client certificate signed
 * by it, and a client certificate signed by a second, unrelated CA (which a mutual-TLS server must
 * refuse). P-256 keys, valid for two days. useTlsTestFixture() makes them for one test file,
 * with a repository holding `simple`, and removes both.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type ClientTlsOptions, type InferInput, tensor } from '../../src/client/index.js';
import type { ServerTlsOptions } from '../../src/frontends/index.js';
import { exampleSubset } from './test-server.js';

/** One certificate and its key, as PEM, and the files they are in. */
export interface CertificatePair {
  certPem: Buffer;
  keyPem: Buffer;
  certFile: string;
  keyFile: string;
}

/** The certificates of one test file. */
export interface TestCertificates {
  /** The CA that signed `server` and `client`. */
  ca: CertificatePair;
  /** The server's certificate (localhost, 127.0.0.1). */
  server: CertificatePair;
  /** A client certificate signed by `ca`. */
  client: CertificatePair;
  /** A client certificate signed by another CA. */
  strangerClient: CertificatePair;
  /** The folder they are in. */
  dir: string;
  /** Deletes the folder. */
  remove(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function pair(dir: string, name: string): CertificatePair {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  return { certFile, keyFile, certPem: readFileSync(certFile), keyPem: readFileSync(keyFile) };
}

function makeCa(dir: string, name: string): CertificatePair {
  openssl(dir, [
    'req',
    '-x509',
    ...KEY,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return pair(dir, name);
}

function makeSigned(dir: string, name: string, ca: string, extensions: string): CertificatePair {
  openssl(dir, ['req', ...KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.crt`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.crt`,
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
  ]);
  return pair(dir, name);
}

/** Makes a CA, a server and two client certificates in a new temporary folder. */
export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'nereid-tls-'));
  const ca = makeCa(dir, 'nereid-test-ca');
  makeCa(dir, 'stranger-ca');
  const server = makeSigned(
    dir,
    'server',
    'nereid-test-ca',
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
  );
  const client = makeSigned(dir, 'client', 'nereid-test-ca', 'extendedKeyUsage=clientAuth\n');
  const strangerClient = makeSigned(dir, 'stranger', 'stranger-ca', 'extendedKeyUsage=clientAuth\n');
  return {
    ca,
    server,
    client,
    strangerClient,
    dir,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Server TLS options with the test server certificate; `mutual` requires client certificates from the CA. */
export function serverTls(certs: TestCertificates, mutual = false): ServerTlsOptions {
  const tls: ServerTlsOptions = { certPem: certs.server.certPem, keyPem: certs.server.keyPem };
  return mutual ? { ...tls, rootCertPem: certs.ca.certPem, mutual } : tls;
}

/** Client TLS options that trust the test CA, presenting `client`'s certificate when given. */
export function clientTls(
  certs: TestCertificates,
  client?: CertificatePair,
  serverName?: string,
): ClientTlsOptions {
  const tls: ClientTlsOptions = { caPem: certs.ca.certPem, serverName };
  return client === undefined ? tls : { ...tls, certPem: client.certPem, keyPem: client.keyPem };
}

/** What a TLS test file serves and trusts: its certificates and a repository holding `simple`. */
export interface TlsTestFixture {
  /** The certificates (made in beforeAll: read them in hooks and tests only). */
  readonly certs: TestCertificates;
  /** The repository folder, with `simple` only. */
  readonly repositoryDir: string;
}

/**
 * Registers the file's beforeAll / afterAll that make the certificates and the `simple`
 * repository and remove both, and returns them.
 */
export function useTlsTestFixture(): TlsTestFixture {
  const repository = exampleSubset(['simple']);
  let certs: TestCertificates | null = null;
  beforeAll(() => {
    certs = makeTestCertificates();
  });
  afterAll(() => {
    certs?.remove();
    repository.remove();
  });
  return {
    get certs(): TestCertificates {
      if (certs === null)
        throw new Error('The TLS test certificates are made in beforeAll: read them in a test');
      return certs;
    },
    repositoryDir: repository.dir,
  };
}

/** `simple`'s two INT32 [1, 16] inputs filled with `a` and `b` (OUTPUT0 = a + b, OUTPUT1 = a - b). */
export function simpleInputs(a: number, b: number): InferInput[] {
  return [
    tensor('INPUT0', 'INT32', [1, 16], new Int32Array(16).fill(a)),
    tensor('INPUT1', 'INT32', [1, 16], new Int32Array(16).fill(b)),
  ];
}
