/**
 * The JSON object body of the non-inference HTTP routes (repository, shared memory, trace and log
 * settings): one parse with the same ERR_BAD_JSON texts everywhere. Inference bodies have their own
 * decoder (http-infer-request.ts); routes that take an empty body as "no fields" check that first.
 */
import { invalidArg } from '../../common/index.js';

/** `body` parsed as a JSON object; anything else is ERR_BAD_JSON "`what` request must be a JSON object". */
export function parseJsonObject(body: Buffer, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw invalidArg('ERR_BAD_JSON', `Failed to parse the request JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidArg('ERR_BAD_JSON', `${what} request must be a JSON object`);
  }
  return parsed as Record<string, unknown>;
}
