/**
 * Draining an HTTP(S) server on shutdown without resetting a request. node:http's close() stops
 * accepting and destroys every idle keep-alive connection at once, so a request already on its way
 * on such a connection (sent, in the kernel's buffer, not yet read) is answered with a TCP reset.
 * Here the listener is closed but connections are left to the server: a request that arrives is
 * answered with `Connection: close`, responses not started yet say `Connection: close` too, and a
 * connection is closed (FIN, never a reset) only once it has received nothing for a whole sweep
 * interval with no response pending. Sweeps run after the event loop's poll phase, so data the
 * kernel holds is read (and its request started) before the sweep looks.
 *
 * HTTP/1.1 cannot do better: a client that sends at the very moment an idle connection is closed
 * still loses that request (RFC 9112 §9.3.1 leaves the retry to the client).
 */
import type { Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

/** How long a connection must stay quiet, with no response pending, before a drain closes it (ms). */
export const DRAIN_IDLE_MS = 250;

/** Sweeps after a connection's FIN before it is destroyed if its client never closes its side. */
const HALF_CLOSED_SWEEPS = 8;

const kSeenBytes = Symbol('nereid.drainSeenBytes');
const kEndedSweeps = Symbol('nereid.drainEndedSweeps');
type DrainedSocket = Socket & {
  [kSeenBytes]?: number;
  [kEndedSweeps]?: number;
  /** node:http's response being written on the socket (null between requests). */
  _httpMessage?: ServerResponse | null;
};

function noop(): void {}

/** One sweep: closes the connections that are quiet since the last one. */
function sweep(sockets: ReadonlySet<Socket>): void {
  for (const s of sockets as ReadonlySet<DrainedSocket>) {
    if (s.destroyed) continue;
    const ended = s[kEndedSweeps];
    if (ended !== undefined) {
      if (ended >= HALF_CLOSED_SWEEPS) s.destroy();
      else s[kEndedSweeps] = ended + 1;
      continue;
    }
    const response = s._httpMessage ?? null;
    const read = s.bytesRead;
    if (response !== null) {
      if (!response.headersSent) response.shouldKeepAlive = false;
      s[kSeenBytes] = read;
      continue;
    }
    if (read !== s[kSeenBytes]) {
      s[kSeenBytes] = read;
      continue;
    }
    s[kEndedSweeps] = 0;
    s.end();
  }
}

function scheduleSweep(sockets: ReadonlySet<Socket>): void {
  setImmediate(sweep, sockets);
}

/**
 * Stops `server` accepting connections and closes its open `sockets` as described above; resolves
 * once every connection is closed. `idleMs` is DRAIN_IDLE_MS unless a test says otherwise.
 */
export function drainHttpServer(
  server: Server,
  sockets: ReadonlySet<Socket>,
  idleMs: number = DRAIN_IDLE_MS,
): Promise<void> {
  for (const s of sockets as ReadonlySet<DrainedSocket>) {
    s[kSeenBytes] = s.bytesRead;
    const response = s._httpMessage ?? null;
    if (response !== null && !response.headersSent) response.shouldKeepAlive = false;
  }
  return new Promise((resolve) => {
    const timer = setInterval(scheduleSweep, idleMs, sockets);
    // net.Server's close, not http.Server's: the latter would destroy idle connections right away.
    NetServer.prototype.close.call(server, () => {
      clearInterval(timer);
      // http.Server's close now only stops its request-timeout checker (the listener is closed).
      server.close(noop);
      resolve();
    });
  });
}
