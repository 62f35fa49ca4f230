/**
 * The model logger (`logger` of `nereid/backend`): lines a model writes go to the main thread as
 * LOG messages and into the server's log, tagged with the model and instance. Outside a worker
 * (unit tests of model code) lines go to the console. console.log in a model also reaches the log.
 */
import type { BackendLogLevel } from '../backend.js';
import { hostPort } from '../host-port.js';
import { type LogMessage, MessageType } from '../worker-protocol.js';
import type { ModelLogger } from './model-api-types.js';

function write(level: BackendLogLevel, message: string): void {
  const port = hostPort();
  if (port === null) {
    (level === 'error' ? console.error : level === 'warn' ? console.warn : console.log)(message);
    return;
  }
  const msg: LogMessage = { type: MessageType.LOG, level, message: String(message) };
  port.postMessage(msg);
}

/** Writes into the server's log from a model (info, warn, error, verbose). */
export const logger: ModelLogger = Object.freeze({
  info(message: string): void {
    write('info', message);
  },
  warn(message: string): void {
    write('warn', message);
  },
  error(message: string): void {
    write('error', message);
  },
  verbose(message: string): void {
    write('verbose', message);
  },
});
