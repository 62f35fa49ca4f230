/**
 * The HTTP routes of the trace extension: `GET v2[/models/{m}]/trace/setting` answers the setting
 * in force and `POST` changes it, with Triton's JSON (`{"trace_level": ["TIMESTAMPS"],
 * "trace_rate": "1000", ...}`; JSON null clears a value). Parsing is the core's; this reads the body
 * and answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type InferenceServer, parseTraceSettingUpdate, traceSettingsFromJson } from '../../core/index.js';
import { readBodyOrAnswer, sendError, sendJson } from './http-reply.js';
import type { Route } from './http-router.js';
import type { InflightBytes } from './inflight-bytes.js';
import { parseJsonObject } from './json-body.js';

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
    const update = parseTraceSettingUpdate(
      traceSettingsFromJson(body.length === 0 ? {} : parseJsonObject(body, 'Trace setting')),
    );
    sendJson(res, 200, server.updateTraceSettings(route.model, update));
  } catch (err) {
    sendError(res, err);
  } finally {
    budget.release(body.length);
  }
}
