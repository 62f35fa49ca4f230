/**
 * The OpenAI-compatible API on the HTTP port: `GET /v1/models[/{id}]` lists the ready generation
 * models, `POST /v1/completions` and `POST /v1/chat/completions` read the body (the HTTP
 * frontend's size limit and decompression), map it onto the generation model's tensors and submit
 * it to the core like any request, so queue policies, cancellation, metrics and the response cache
 * apply. Every failure is OpenAI's error shape. Routing is http-router.ts's.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidArg, notFound } from '../../common/index.js';
import { InferenceRequest as CoreRequest, type InferenceServer } from '../../core/index.js';
import { BodyTooLargeError, readRequestBody } from '../http/http-body.js';
import { type InflightBytes, InflightBytesError } from '../http/inflight-bytes.js';
import { sendOpenAiError } from './openai-error.js';
import { OpenAiExchange } from './openai-exchange.js';
import { checkOpenAiModelName, OpenAiEndpoint, openAiInputs, parseOpenAiRequest } from './openai-request.js';

/** The generation model `name`, ready; throws OpenAI-mappable errors otherwise. */
function generationModel(server: InferenceServer, name: string): void {
  const mv = server.getModel(name);
  if (!mv.plan.generation) {
    throw invalidArg(
      'ERR_NOT_GENERATION_MODEL',
      `Model '${name}' is not a generation model: the OpenAI API serves llama.cpp (GGUF) models only`,
    );
  }
}

/** One entry of `GET /v1/models`. */
function modelEntry(server: InferenceServer, name: string): string {
  return `{"id":${JSON.stringify(name)},"object":"model","created":0,"owned_by":${JSON.stringify(server.id)}}`;
}

function sendBody(res: ServerResponse, text: string): void {
  const body = Buffer.from(text);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
  res.end(body);
}

/** `GET /v1/models`: the ready generation models. */
export function handleOpenAiModels(server: InferenceServer, res: ServerResponse): void {
  const names = new Set<string>();
  for (const row of server.repositoryIndex(true)) {
    if (names.has(row.name)) continue;
    try {
      if (server.getModel(row.name).plan.generation) names.add(row.name);
    } catch {
      // Unloaded between the index and the lookup.
    }
  }
  const data = [...names].sort().map((name) => modelEntry(server, name));
  sendBody(res, `{"object":"list","data":[${data.join(',')}]}`);
}

/** `GET /v1/models/{id}`: one ready generation model, or OpenAI's model_not_found. */
export function handleOpenAiModel(server: InferenceServer, res: ServerResponse, name: string): void {
  try {
    checkOpenAiModelName(name);
  } catch (err) {
    sendOpenAiError(res, err);
    return;
  }
  try {
    generationModel(server, name);
  } catch {
    sendOpenAiError(res, notFound('ERR_UNKNOWN_MODEL', `The model '${name}' does not exist`));
    return;
  }
  sendBody(res, modelEntry(server, name));
}

/**
 * `POST /v1/completions` (`endpoint` COMPLETIONS) or `POST /v1/chat/completions` (CHAT): reads the
 * body (at most `maxInputSizeBytes`, its bytes taken from `budget` until the response closes),
 * checks and submits the request; the exchange answers it.
 */
export async function handleOpenAiGeneration(
  server: InferenceServer,
  req: IncomingMessage,
  res: ServerResponse,
  endpoint: OpenAiEndpoint,
  maxInputSizeBytes: number,
  budget: InflightBytes,
): Promise<void> {
  const prompt = endpoint === OpenAiEndpoint.CHAT ? 'messages' : 'prompt';
  let heldBytes = 0;
  try {
    const body = await readRequestBody(req, maxInputSizeBytes, budget);
    heldBytes = body.length;
    const openai = parseOpenAiRequest(body, endpoint);
    generationModel(server, openai.model);
    if (res.destroyed) {
      // The client left while its body was read: nothing to answer, and no 'close' to come.
      budget.release(heldBytes);
      return;
    }
    const exchange = new OpenAiExchange(server, res, openai, budget, heldBytes);
    heldBytes = 0; // the exchange holds them now
    const request = new CoreRequest({
      modelName: openai.model,
      inputs: openAiInputs(openai),
      sink: exchange,
    });
    exchange.request = request;
    try {
      server.infer(request);
    } catch (err) {
      exchange.finished = true;
      throw err;
    }
  } catch (err) {
    budget.release(heldBytes);
    if (res.headersSent) return;
    // The rest of a refused body is never read: the answer closes the connection.
    if (err instanceof BodyTooLargeError || err instanceof InflightBytesError)
      res.setHeader('Connection', 'close');
    sendOpenAiError(res, err, prompt);
  }
}
