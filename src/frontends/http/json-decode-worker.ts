/**
 * Entry of a JSON decode worker thread (JsonDecodePool): decodes KServe v2 HTTP inference bodies
 * with the very decodeHttpInferRequest the main thread uses, so both paths accept and refuse the
 * same bodies with the same messages. Tensor bytes go back in the transfer list, never copied,
 * except binary parts of a body in a shared receive buffer, which the pool reuses once answered.
 * It holds no state between bodies beyond protocol's header cache.
 */
import { parentPort } from 'node:worker_threads';
import { toServerError } from '../../common/index.js';
import { type DecodedHttpInferRequest, decodeHttpInferRequest } from '../../protocol/index.js';
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

/** `request` with every input that views the shared receive buffer `shared` copied out of it. */
function copiedOutOf(shared: ArrayBufferLike, request: DecodedHttpInferRequest): DecodedHttpInferRequest {
  let inputs = request.inputs;
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i]!;
    if (input.data.buffer !== shared) continue;
    if (inputs === request.inputs) inputs = inputs.slice();
    inputs[i] = { ...input, data: input.data.slice() };
  }
  return inputs === request.inputs ? request : { ...request, inputs };
}

function onJob(job: JsonDecodeJob): void {
  let reply: JsonDecodeReply;
  try {
    const request = decodeHttpInferRequest(job.body, job.headerLength, {
      modelName: job.modelName,
      jsonScanMinBytes: job.scanMinBytes,
    });
    const shared = job.body.buffer instanceof SharedArrayBuffer;
    reply = { id: job.id, request: shared ? copiedOutOf(job.body.buffer, request) : request, error: null };
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
