/**
 * The HTTP routes of the trace extension: `GET v2[/models/{m}]/trace/setting` answers the setting
 * in force and `POST` changes it, with Triton's JSON (`{"trace_level": ["TIMESTAMPS"],
 * "trace_rate": "1000", ...}`; JSON null clears a value). Parsing is the core's; this reads the body
 * and answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidArg } from '../../common/errors.js';
import { type InferenceServer, parseTraceSettingUpdate, traceSettingsFromJson } from '../../core/index.js';
import { readBodyOrAnswer, sendError, sendJson } from './http-reply.js';
import type { Route } from './http-router.js';
import type { InflightBytes } from './inflight-bytes.js';

/** Answers a trace setting route for `route.model` ('' = global). */
export async function handleTraceSetting(
  server: InferenceServer,
  route: Route,
  req: IncomingMessage,
  res: ServerResponse,
  maxInputSizeBytes: number,
  budget: InflightBytes,
): Promise<void> {
  if (req.method === 'GET') {
    try {
      sendJson(res, 200, server.traceSettings(route.model));
    } catch (err) {
      sendError(res, err);
    }
    return;
  }
  const body = await readBodyOrAnswer(req, res, maxInputSizeBytes, budget);
  if (body === null) return;
  try {
    const update = parseTraceSettingUpdate(traceSettingsFromJson(parseJson(body)));
    sendJson(res, 200, server.updateTraceSettings(route.model, update));
  } catch (err) {
    sendError(res, err);
  } finally {
    budget.release(body.length);
  }
}

/** The body as JSON; an empty body is `{}` (no change). */
export function parseJson(body: Buffer): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw invalidArg('ERR_BAD_JSON', `Failed to parse the request JSON: ${(err as Error).message}`);
  }
}
