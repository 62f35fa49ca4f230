/**
 * E2E: the LLM endpoints under the server's security rules, with the real `openai` client and raw
 * sockets against a real GGUF model: `/v1/completions` and `/v1/chat/completions` are restricted
 * as inference and `/v1/models` as model-repository (403 in OpenAI's shape without the header),
 * /v1 request bodies take bytes from the in-flight budget until answered (503 with Retry-After
 * when it is spent), and /v1 model names go through the model-name check (400, never a lookup).
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseRestrictions } from '../../../src/frontends/access/index.js';
import { rawSocket, waitFor } from '../../helpers/raw-http-socket.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import {
  describeWithGguf,
  type LlmRepository,
  llamaConfig,
  openAiRefusal,
  writeLlmRepository,
} from './llm-fixtures.js';

const INFER = { 'infer-key': 'abc' };
const ADMIN = { 'admin-key': 's3cret' };
/** Most request body bytes (and most bytes held by all bodies at once) of this server. */
const MAX_BODY_BYTES = 64 * 1024;

let repo: LlmRepository;
let t: TestServer;

/** An OpenAI client of the test server sending `headers` with every request. */
function client(headers: Record<string, string> = {}): OpenAI {
  return new OpenAI({ baseURL: `${t.baseUrl}/v1`, apiKey: 'unused', maxRetries: 0, defaultHeaders: headers });
}

/** A completion request body of exactly `bytes` bytes (JSON padded with spaces). */
function paddedCompletion(bytes: number): string {
  const json = JSON.stringify({
    model: 'stories',
    prompt: 'Once upon a time',
    max_tokens: 4,
    temperature: 0,
  });
  return json + ' '.repeat(bytes - json.length);
}

describeWithGguf('LLM endpoints under restricted APIs, body budgets and model-name checks', () => {
  beforeAll(async () => {
    repo = writeLlmRepository({ stories: { config: llamaConfig({ max_num_seqs: 2, context_length: 128 }) } });
    t = await startTestServer({
      modelRepositories: [repo.dir],
      http: {
        maxInputSizeBytes: MAX_BODY_BYTES,
        maxInflightBytes: MAX_BODY_BYTES,
        restrictions: parseRestrictions(
          ['inference:infer-key=abc', 'model-repository:admin-key=s3cret'],
          'http',
        ),
      },
    });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    repo?.remove();
  });

  it("refuses /v1 completions without the inference header and /v1/models without the model-repository one, with 403 in OpenAI's shape", async () => {
    const anonymous = client();
    const refusals = [
      await openAiRefusal(anonymous.completions.create({ model: 'stories', prompt: 'Once', max_tokens: 2 })),
      await openAiRefusal(
        anonymous.chat.completions.create({ model: 'stories', messages: [{ role: 'user', content: 'Hi' }] }),
      ),
      await openAiRefusal(
        client(ADMIN).completions.create({ model: 'stories', prompt: 'Once', max_tokens: 2 }),
      ),
    ];
    for (const r of refusals) {
      expect(r).toEqual({
        status: 403,
        error: {
          message: "This API is restricted, expecting header 'infer-key'",
          type: 'invalid_request_error',
          param: null,
          code: null,
        },
      });
    }
    const listings = [
      () => anonymous.models.list(),
      () => anonymous.models.retrieve('stories'),
      () => client(INFER).models.list(),
    ];
    for (const call of listings) {
      expect(await openAiRefusal(call())).toMatchObject({
        status: 403,
        error: { message: "This API is restricted, expecting header 'admin-key'" },
      });
    }
    const stream = await fetch(`${t.baseUrl}/v2/models/stories/generate_stream`, {
      method: 'POST',
      body: '{"text_input": "Once"}',
    });
    expect(stream.status).toBe(403);
    expect(await stream.json()).toEqual({ error: "This API is restricted, expecting header 'infer-key'" });

    // With the headers the same calls run.
    const both = client({ ...INFER, ...ADMIN });
    expect((await both.models.list()).data.map((m) => m.id)).toEqual(['stories']);
    const completion = await both.completions.create({
      model: 'stories',
      prompt: 'Once upon a time',
      max_tokens: 4,
      temperature: 0,
    });
    expect(completion.usage?.completion_tokens).toBe(4);
  });

  it('checks /v1 model names with the model-name rule before looking them up: 400 naming the problem, the name cut short', async () => {
    const openai = client({ ...INFER, ...ADMIN });
    const traversal = await openAiRefusal(openai.completions.create({ model: '../stories', prompt: 'Once' }));
    expect(traversal).toEqual({
      status: 400,
      error: {
        message: `Invalid model name "../stories": it starts with '.'`,
        type: 'invalid_request_error',
        param: 'model',
        code: null,
      },
    });
    const control = await openAiRefusal(
      openai.chat.completions.create({ model: 'sto\nries', messages: [{ role: 'user', content: 'Hi' }] }),
    );
    expect(control).toMatchObject({ status: 400, error: { param: 'model' } });
    expect(control.error.message).toBe(
      'Invalid model name "sto\\nries": it contains a path separator or a control character',
    );
    const long = await openAiRefusal(openai.completions.create({ model: 'm'.repeat(5000), prompt: 'Once' }));
    expect(long.status).toBe(400);
    expect(long.error.message).toMatch(/^Invalid model name "m{80}…": it is longer than 255 bytes$/);
    const hidden = await openAiRefusal(openai.models.retrieve('.stories'));
    expect(hidden).toMatchObject({
      status: 400,
      error: { message: `Invalid model name ".stories": it starts with '.'` },
    });
  });

  it('holds a /v1 body in the in-flight byte budget until it is answered: a body that does not fit is a 503 with Retry-After', async () => {
    const port = Number(new URL(t.baseUrl).port);
    const bodyBytes = 40_000;
    const body = paddedCompletion(bodyBytes);
    const head = `POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${bodyBytes}\r\ninfer-key: abc\r\nConnection: close\r\n\r\n`;
    // The first request sends most of its body and stops: its bytes are held.
    const slow = rawSocket(port, head + body.slice(0, 30_000));
    await slow.connected;
    expect(await waitFor(() => t.http.heldBodyBytes >= 30_000, 10_000)).toBe(true);

    const refused = await fetch(`${t.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...INFER, 'Content-Type': 'application/json' },
      body: paddedCompletion(bodyBytes),
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    const error = (await refused.json()).error;
    expect(error).toMatchObject({ type: 'server_error', param: null });
    expect(error.message).toMatch(
      /^Cannot hold 40000 more bytes of request body: \d+ of 65536 bytes are held by requests in flight \(--http-max-inflight-bytes\)$/,
    );

    // The rest of the first body arrives: it is answered, and the budget is whole again.
    slow.socket.write(body.slice(30_000));
    const { text } = await slow.closed;
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(text).toContain('"completion_tokens":4');
    expect(await waitFor(() => t.http.heldBodyBytes === 0, 10_000)).toBe(true);
  });
});
