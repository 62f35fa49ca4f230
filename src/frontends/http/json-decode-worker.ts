/**
 * Entry of a JSON decode worker thread (JsonDecodePool): decodes KServe v2 HTTP inference bodies
 * with the very decodeHttpInferRequest the main thread uses, so both paths accept and refuse the
 * same bodies with the same messages. Tensor bytes go back in the transfer list, never copied.
 * It holds no state between bodies beyond protocol's header cache.
 */
import { parentPort } from 'node:worker_threads';
import { toServerError } from '../../common/index.js';
import { decodeHttpInferRequest } from '../../protocol/index.js';
import type { JsonDecodeJob, JsonDecodeReply } from './json-decode-messages.js';

const port = parentPort;
if (port === null) throw new Error('json-decode-worker.js must run in a worker thread');

/** The distinct ArrayBuffers under the decoded inputs' bytes (each may be listed once only). */
function transferListOf(reply: JsonDecodeReply): ArrayBuffer[] {
  const list: ArrayBuffer[] = [];
  if (reply.request === null) return list;
  for (const input of reply.request.inputs) {
    const buffer = input.data.buffer as ArrayBuffer;
    if (buffer.byteLength > 0 && !list.includes(buffer)) list.push(buffer);
  }
  return list;
}

function onJob(job: JsonDecodeJob): void {
  let reply: JsonDecodeReply;
  try {
    const request = decodeHttpInferRequest(job.body, job.headerLength, {
      modelName: job.modelName,
      jsonScanMinBytes: job.scanMinBytes,
    });
    reply = { id: job.id, request, error: null };
  } catch (err) {
    const e = toServerError(err);
    reply = {
      id: job.id,
      request: null,
      error: { status: e.status, code: e.code, message: e.message, retryAfterS: e.retryAfterS },
    };
  }
  port!.postMessage(reply, transferListOf(reply));
}

port.on('message', onJob);
