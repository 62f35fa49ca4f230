/**
 * The HTTP routes of the shared-memory extensions (Triton's HandleSystemSharedMemory and
 * HandleCudaSharedMemory): `GET v2/{system,cuda}sharedmemory[/region/{r}]/status`, `POST
 * .../region/{r}/register` with `{"key","offset","byte_size"}` and `POST
 * v2/{system,cuda}sharedmemory[/region/{r}]/unregister`. It parses request bodies and answers;
 * the registry and its rules are the core's SharedMemoryManager.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidArg } from '../../common/index.js';
import type { InferenceServer } from '../../core/index.js';
import { readBodyOrAnswer, sendError, sendJson } from './http-reply.js';
import { type Route, RouteKind } from './http-router.js';
import type { InflightBytes } from './inflight-bytes.js';
import { parseJsonObject } from './json-body.js';

/** A JSON number usable as a uint64 byte count or offset. */
function isUInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Parses a register body into key, offset and byte size, with Triton's messages for missing fields. */
function parseRegisterBody(body: Buffer): { key: string; offset: number; byteSize: number } {
  const request = parseJsonObject(body, 'Shared memory register');
  if (request.key === undefined) {
    throw invalidArg('ERR_SHM_BAD_REQUEST', "Shared memory register request has no 'key' field");
  }
  if (typeof request.key !== 'string') {
    throw invalidArg(
      'ERR_SHM_BAD_REQUEST',
      `Shared memory register request 'key' must be a string: received ${JSON.stringify(request.key)}`,
    );
  }
  const offset = request.offset ?? 0;
  if (!isUInt(offset)) {
    throw invalidArg(
      'ERR_SHM_BAD_REQUEST',
      `Shared memory register request 'offset' must be a non-negative integer: received ${JSON.stringify(offset)}`,
    );
  }
  if (request.byte_size === undefined) {
    throw invalidArg('ERR_SHM_BAD_REQUEST', "Shared memory register request has no 'byte_size' field");
  }
  if (!isUInt(request.byte_size)) {
    throw invalidArg(
      'ERR_SHM_BAD_REQUEST',
      `Shared memory register request 'byte_size' must be a non-negative integer: received ${JSON.stringify(request.byte_size)}`,
    );
  }
  return { key: request.key, offset, byteSize: request.byte_size };
}

/**
 * Answers one shared-memory route (`route.model` is the region name, '' when absent;
 * `route.version` the action). Every failure is answered with Triton's status mapping. The body's
 * bytes are taken from `budget` until the answer.
 */
export async function handleSharedMemory(
  server: InferenceServer,
  route: Route,
  req: IncomingMessage,
  res: ServerResponse,
  maxInputSizeBytes: number,
  budget: InflightBytes,
): Promise<void> {
  const manager = server.sharedMemory;
  const system = route.kind === RouteKind.SYSTEM_SHM;
  const region = route.model;
  const body = await readBodyOrAnswer(req, res, maxInputSizeBytes, budget);
  if (body === null) return;
  try {
    switch (route.version) {
      case 'status':
        sendJson(res, 200, system ? manager.systemStatus(region) : manager.cudaStatus(region));
        return;
      case 'register':
        if (!system) manager.registerCuda(region);
        manager.checkEnabled('system');
        // Without a region name the manager answers Triton's "'region name' is necessary" error.
        if (region === '') manager.registerSystem('', '', 0, 0);
        else {
          const parsed = parseRegisterBody(body);
          manager.registerSystem(region, parsed.key, parsed.offset, parsed.byteSize);
        }
        break;
      default:
        if (system) manager.unregisterSystem(region);
        else manager.unregisterCuda(region);
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 0 });
    res.end();
  } catch (err) {
    sendError(res, err);
  } finally {
    budget.release(body.length);
  }
}
