/**
 * Verbose level 1 of the server log (`--log-verbose 1`, or `log_verbose_level` through the logging
 * extension): one line per inference request with its protocol, model, id and outcome. Callers
 * check `logger.verboseLevel !== 0` first, so a server without verbose logging pays that check.
 */
import type { Logger } from '../common/index.js';

/** Logs the outcome of one inference request (`outcome`: 'OK' or the error's status and message). */
export function logRequestOutcome(
  logger: Logger,
  protocol: string,
  model: string,
  version: string,
  id: string,
  outcome: string,
): void {
  const v = version === '' ? '' : ` version ${version}`;
  logger.verbose(1, `${protocol} infer request: model '${model}'${v}, id '${id}': ${outcome}`);
}
