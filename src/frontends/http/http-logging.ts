/**
 * The HTTP route of the logging extension: `GET v2/logging` answers the server log's settings and
 * `POST` changes them (`{"log_verbose_level": 1, "log_format": "ISO8601", ...}`), answering every
 * setting as Triton does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidArg } from '../../common/index.js';
import {
  applyLogSettings,
  type InferenceServer,
  type LogSettingValue,
  logSettingsOf,
} from '../../core/index.js';
import { readBodyOrAnswer, sendError, sendJson } from './http-reply.js';
import type { InflightBytes } from './inflight-bytes.js';
import { parseJsonObject } from './json-body.js';

/** Answers `GET|POST v2/logging`. */
export async function handleLogging(
  server: InferenceServer,
  req: IncomingMessage,
  res: ServerResponse,
  maxInputSizeBytes: number,
  budget: InflightBytes,
): Promise<void> {
  if (req.method === 'GET') {
    sendJson(res, 200, logSettingsOf(server.logger));
    return;
  }
  const body = await readBodyOrAnswer(req, res, maxInputSizeBytes, budget);
  if (body === null) return;
  try {
    const parsed = body.length === 0 ? {} : parseJsonObject(body, 'Log setting');
    for (const [key, value] of Object.entries(parsed)) {
      if (value !== null && typeof value === 'object') {
        throw invalidArg(
          'ERR_LOG_SETTING',
          `Log setting '${key}' must be a string, number or boolean: received ${JSON.stringify(value)}`,
        );
      }
    }
    sendJson(res, 200, applyLogSettings(server.logger, parsed as Record<string, LogSettingValue>));
  } catch (err) {
    sendError(res, err);
  } finally {
    budget.release(body.length);
  }
}
