/**
 * E2E: HttpClient.generateStream reading Server-Sent Events byte for byte: a scripted node:http
 * server writes the exact SSE bytes Triton writes (so framing edge cases are controlled; the real
 * server's generate_stream is tested in test/e2e/generate)
 * (`data: <json>\n\n`, split across TCP writes, an in-band `{"error"}` event); the client must
 * yield each event, throw on the error event, and close the stream when the loop breaks.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, InferenceServerError, readSseData, Status } from '../../../src/client/index.js';

const requests: { url: string; body: string }[] = [];
let closedEarly = 0;
let server: Server;
let client: HttpClient;

function writeEvents(res: ServerResponse, parts: string[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
  let i = 0;
  const next = (): void => {
    if (i === parts.length) {
      res.end();
      return;
    }
    res.write(parts[i++]!, next);
  };
  next();
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  let body = '';
  req.on('data', (c: Buffer) => {
    body += c.toString();
  });
  req.on('end', () => {
    requests.push({ url: req.url ?? '', body });
    const model = /\/v2\/models\/([^/]+)/.exec(req.url ?? '')?.[1];
    if (model === 'tokens') {
      writeEvents(res, [
        'data: {"model_name":"tokens","model_version":"1","text_output":"Hel',
        'lo"}\n\ndata: {"model_name":"tokens","model_version":"1","text_output":" wor"}\r\n\r\n: comment\n\n',
        'data: {"model_name":"tokens","model_version":"1","text_output":"ld"}\n\n',
      ]);
    } else if (model === 'failing') {
      writeEvents(res, ['data: {"text_output":"a"}\n\n', 'data: {"error":"Model failed at step 2"}\n\n']);
    } else if (model === 'endless') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.on('close', () => closedEarly++);
      const tick = setInterval(() => res.write('data: {"text_output":"x"}\n\n'), 5);
      res.on('close', () => clearInterval(tick));
    } else {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `Unknown model '${model}'` }));
    }
  });
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new HttpClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterAll(async () => {
  await client?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

describe('HttpClient.generateStream', () => {
  it('HttpClient yields every SSE event as JSON, across split writes and CRLF events', async () => {
    const texts: string[] = [];
    for await (const event of client.generateStream('tokens', {
      text_input: 'Hi',
      parameters: { stream: true },
    })) {
      expect(event.model_name).toBe('tokens');
      texts.push(event.text_output);
    }
    expect(texts).toEqual(['Hello', ' wor', 'ld']);
    const sent = requests.at(-1)!;
    expect(sent.url).toBe('/v2/models/tokens/generate_stream');
    expect(JSON.parse(sent.body)).toEqual({ text_input: 'Hi', parameters: { stream: true } });
  });

  it('HttpClient throws an InferenceServerError on an in-band error event', async () => {
    const texts: string[] = [];
    const err = await (async () => {
      for await (const event of client.generateStream('failing', {}, { modelVersion: '2' }))
        texts.push(event.text_output);
    })().catch((e: unknown) => e);
    expect(texts).toEqual(['a']);
    expect(err).toBeInstanceOf(InferenceServerError);
    expect((err as InferenceServerError).message).toBe('Model failed at step 2');
    expect((err as InferenceServerError).status).toBe(Status.INTERNAL);
    expect(requests.at(-1)!.url).toBe('/v2/models/failing/versions/2/generate_stream');
  });

  it('HttpClient closes the stream when the loop breaks early', async () => {
    let seen = 0;
    for await (const _event of client.generateStream('endless', {})) {
      if (++seen === 3) break;
    }
    expect(seen).toBe(3);
    await expect.poll(() => closedEarly).toBe(1);
  });

  it('HttpClient rejects a refused stream with the HTTP status and message', async () => {
    const err = await client
      .generateStream('other', {})
      .next()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InferenceServerError);
    expect((err as InferenceServerError).httpStatus).toBe(400);
    expect((err as InferenceServerError).message).toBe("Unknown model 'other'");
  });

  it('readSseData joins multi-line data fields and ignores other fields', async () => {
    async function* chunks() {
      yield new TextEncoder().encode('event: x\nid: 3\ndata: line1\ndata: line2\n\ndata:');
      yield new TextEncoder().encode('tight\n\nretry: 5\n\n');
    }
    const out: string[] = [];
    for await (const d of readSseData(chunks())) out.push(d);
    expect(out).toEqual(['line1\nline2', 'tight']);
  });
});
