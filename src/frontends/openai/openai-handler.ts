/**
 * The OpenAI-compatible API on the HTTP port: `GET /v1/models[/{id}]` lists the ready generation
 * models, `POST /v1/completions` and `POST /v1/chat/completions` read the body (the HTTP
 * frontend's size limit and decompression), map it onto the generation model's tensors and submit
 * it to the core like any request, so queue policies, cancellation, metrics and the response cache
 * apply. Every failure is OpenAI's error shape. Routing is http-router.ts's.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidArg, notFound } from '../../common/errors.js';
import { InferenceRequest as CoreRequest, type InferenceServer } from '../../core/index.js';
import { BodyTooLargeError, decodeContent, readBody } from '../http/http-body.js';
import { sendOpenAiError } from './openai-error.js';
import { OpenAiExchange } from './openai-exchange.js';
import { OpenAiEndpoint, openAiInputs, parseOpenAiRequest } from './openai-request.js';

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
    generationModel(server, name);
  } catch {
    sendOpenAiError(res, notFound('ERR_UNKNOWN_MODEL', `The model '${name}' does not exist`));
    return;
  }
  sendBody(res, modelEntry(server, name));
}

/**
 * `POST /v1/completions` (`endpoint` COMPLETIONS) or `POST /v1/chat/completions` (CHAT): reads,
 * checks and submits the request; the exchange answers it.
 */
export async function handleOpenAiGeneration(
  server: InferenceServer,
  req: IncomingMessage,
  res: ServerResponse,
  endpoint: OpenAiEndpoint,
  maxInputSizeBytes: number,
): Promise<void> {
  const prompt = endpoint === OpenAiEndpoint.CHAT ? 'messages' : 'prompt';
  try {
    const raw = await readBody(req, maxInputSizeBytes);
    const body = await decodeContent(raw, req.headers['content-encoding'], maxInputSizeBytes);
    const openai = parseOpenAiRequest(body, endpoint);
    generationModel(server, openai.model);
    const exchange = new OpenAiExchange(server, res, openai);
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
    if (res.headersSent) return;
    if (err instanceof BodyTooLargeError) {
      // The rest of the body is never read: close the connection once answered.
      res.setHeader('Connection', 'close');
      res.on('finish', () => res.socket?.destroy());
    }
    sendOpenAiError(res, err, prompt);
  }
}
