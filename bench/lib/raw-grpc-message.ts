/**
 * A gRPC call written by hand over node:http2, for probing message limits: it opens ModelInfer,
 * writes a 5-byte length prefix declaring `declaredBytes` and then `sentBytes` bytes, keeps the
 * stream open, and reports the grpc-status the server answers with (or that none came). Used by
 * the hardening benchmark and the message-size tests; a real client would never send this.
 */
import * as http2 from 'node:http2';

/** What the server answered: its grpc-status (null when none came in time), message and delay. */
export interface RawGrpcAnswer {
  status: number | null;
  message: string;
  ms: number;
}

/** Declares a `declaredBytes` message on 127.0.0.1:`port`, sends `sentBytes`, waits up to `timeoutMs`. */
export function declareGrpcMessage(
  port: number,
  declaredBytes: number,
  sentBytes: number,
  timeoutMs = 10_000,
): Promise<RawGrpcAnswer> {
  return new Promise((resolve) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', () => {});
    const started = performance.now();
    const stream = session.request({
      ':method': 'POST',
      ':path': '/inference.GRPCInferenceService/ModelInfer',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    const finish = (answer: RawGrpcAnswer) => {
      clearTimeout(timer);
      session.destroy();
      resolve(answer);
    };
    const timer = setTimeout(
      () => finish({ status: null, message: '', ms: performance.now() - started }),
      timeoutMs,
    );
    const onHeaders = (headers: http2.IncomingHttpHeaders) => {
      const status = headers['grpc-status'];
      if (status === undefined) return;
      finish({
        status: Number(status),
        message: decodeURIComponent(String(headers['grpc-message'] ?? '')),
        ms: performance.now() - started,
      });
    };
    stream.on('response', onHeaders);
    stream.on('trailers', onHeaders);
    stream.on('error', () => {});
    const prefix = Buffer.alloc(5);
    prefix.writeUInt32BE(declaredBytes, 1);
    // The stream stays open: a server that checks the prefix answers now, one that does not waits.
    stream.write(Buffer.concat([prefix, Buffer.alloc(sentBytes)]));
  });
}
