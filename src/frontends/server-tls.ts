/**
 * TLS settings shared by the HTTP and gRPC frontends: PEM texts of the server's certificate and
 * key, and for mutual TLS the CA that client certificates must chain to. Reading the files and
 * the flags is the CLI's; each frontend turns these into its library's credentials.
 */
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

/** Checks that mutual TLS has a root certificate to verify clients with; `flag` names it in the error. */
export function checkServerTls(tls: ServerTlsOptions, flag: string): void {
  if (tls.mutual === true && (tls.rootCertPem === undefined || tls.rootCertPem.length === 0)) {
    throw invalidArg(
      'ERR_TLS_NO_ROOT_CERT',
      `Mutual TLS needs the CA that client certificates must chain to: set ${flag}`,
    );
  }
}
