/**
 * The HTTP routes of the model repository extension that change the model set:
 * `POST v2/repository/models/{m}/load` with optional `{"parameters": {"config": "<JSON>",
 * "file:<path>": "<base64>"}}` and `POST v2/repository/models/{m}/unload` with optional
 * `{"parameters": {"unload_dependents": bool}}`. It parses the bodies and answers (200, empty
 * body, as Triton); what loading means is the core's.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidArg } from '../../common/index.js';
import type { InferenceServer, LoadParameterValue } from '../../core/index.js';
import { readBodyOrAnswer, sendEmpty, sendError } from './http-reply.js';
import { type Route, RouteKind } from './http-router.js';
import type { InflightBytes } from './inflight-bytes.js';
import { parseJsonObject } from './json-body.js';

/** Reads `{"parameters": {...}}` from a repository request body; an empty body has none. */
function readParameters(body: Buffer, what: string): Record<string, unknown> {
  if (body.length === 0) return {};
  const parameters = parseJsonObject(body, `Repository ${what}`).parameters;
  if (parameters === undefined) return {};
  if (parameters === null || typeof parameters !== 'object' || Array.isArray(parameters)) {
    throw invalidArg(
      'ERR_BAD_JSON',
      `Repository ${what} request 'parameters' must be a JSON object: received ${JSON.stringify(parameters)}`,
    );
  }
  return parameters as Record<string, unknown>;
}

/** Checks that every load parameter is a JSON scalar (strings carry JSON text or base64). */
function loadParameters(parameters: Record<string, unknown>): Record<string, LoadParameterValue> {
  const out: Record<string, LoadParameterValue> = {};
  for (const [key, value] of Object.entries(parameters)) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw invalidArg(
        'ERR_BAD_JSON',
        `Load parameter '${key}' must be a string, number or boolean: received ${JSON.stringify(value)}`,
      );
    }
    out[key] = value;
  }
  return out;
}

/**
 * Answers a load or unload route for `route.model`; failures use Triton's status mapping. The
 * body's bytes are taken from `budget` until the answer.
 */
export async function handleRepositoryControl(
  server: InferenceServer,
  route: Route,
  req: IncomingMessage,
  res: ServerResponse,
  maxInputSizeBytes: number,
  budget: InflightBytes,
): Promise<void> {
  const load = route.kind === RouteKind.REPOSITORY_LOAD;
  const body = await readBodyOrAnswer(req, res, maxInputSizeBytes, budget);
  if (body === null) return;
  try {
    const parameters = readParameters(body, load ? 'load' : 'unload');
    if (load) {
      await server.loadModel(route.model, loadParameters(parameters));
    } else {
      const dependents = parameters.unload_dependents ?? false;
      if (typeof dependents !== 'boolean') {
        throw invalidArg(
          'ERR_BAD_JSON',
          `Unload parameter 'unload_dependents' must be a boolean: received ${JSON.stringify(dependents)}`,
        );
      }
      await server.unloadModel(route.model, dependents);
    }
    sendEmpty(res, 200);
  } catch (err) {
    sendError(res, err);
  } finally {
    budget.release(body.length);
  }
}
