/**
 * TLS settings shared by the HTTP and gRPC frontends: PEM texts of the server's certificate and
 * key, and for mutual TLS the CA that client certificates must chain to. Reading the files and
 * the flags is the CLI's; each frontend turns these into its library's credentials.
 */
import { createSecureContext } from 'node:tls';
import { invalidArg } from '../common/index.js';

/** TLS settings of one frontend. */
export interface ServerTlsOptions {
  /** The server's certificate chain, PEM. */
  certPem: string | Buffer;
  /** The server's private key, PEM. */
  keyPem: string | Buffer;
  /** CA certificates, PEM, that client certificates must chain to; required when `mutual`. */
  rootCertPem?: string | Buffer;
  /** Require and verify a client certificate (mutual TLS); default false. */
  mutual?: boolean;
}

/**
 * Checks the TLS settings of the `protocol` frontend (its constructor runs this; the CLI runs it
 * before any model loads): a certificate and a key, a key that matches its certificate (now, not
 * at the first handshake), and for mutual TLS the CA to verify clients with. Errors name the
 * `--<protocol>-*` flags, so the command line and an embedding program read one message.
 * @throws ServerError INVALID_ARG (ERR_TLS_NO_ROOT_CERT, ERR_BAD_TLS_OPTION)
 */
export function checkServerTls(tls: ServerTlsOptions, protocol: 'http' | 'grpc'): void {
  if (tls.certPem.length === 0 || tls.keyPem.length === 0) {
    throw invalidArg(
      'ERR_BAD_TLS_OPTION',
      `--${protocol}-use-ssl needs --${protocol}-server-cert and --${protocol}-server-key`,
    );
  }
  if (tls.mutual === true && (tls.rootCertPem === undefined || tls.rootCertPem.length === 0)) {
    throw invalidArg(
      'ERR_TLS_NO_ROOT_CERT',
      `--${protocol}-use-ssl-mutual needs --${protocol}-root-cert (the CA of client certificates)`,
    );
  }
  try {
    createSecureContext({ cert: tls.certPem, key: tls.keyPem, ca: tls.rootCertPem });
  } catch (err) {
    throw invalidArg(
      'ERR_BAD_TLS_OPTION',
      `Cannot use --${protocol}-server-cert with --${protocol}-server-key: ${(err as Error).message}`,
    );
  }
}
