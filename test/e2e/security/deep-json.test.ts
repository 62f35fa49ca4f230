/**
 * E2E (issue 19, low): JSON `data` nested far deeper than any tensor rank is a 400 naming the
 * input, on `infer`, `generate` and `generate_stream` (it was a 500 "Maximum call stack size
 * exceeded"), and the server goes on serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t?.close();
});

/** `[[[...1...]]]` nested `depth` levels, as text (JSON.stringify itself overflows past ~10,000). */
function deep(depth: number): string {
  return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
}

async function post(path: string, body: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${t.baseUrl}${path}`, { method: 'POST', body });
  return { status: res.status, text: await res.text() };
}

describe('deeply nested JSON data', () => {
  it('infer answers 400 naming the input for 65 and 200,000 levels; 2 levels of a real shape still work', async () => {
    for (const depth of [65, 200_000]) {
      const body = `{"inputs":[{"name":"INPUT0","datatype":"INT32","shape":[1,16],"data":${deep(depth)}},{"name":"INPUT1","datatype":"INT32","shape":[1,16],"data":[1]}]}`;
      const answer = await post('/v2/models/simple/infer', body);
      expect(answer.status, String(depth)).toBe(400);
      expect(JSON.parse(answer.text).error).toBe("Input 'INPUT0': 'data' nests arrays deeper than 64 levels");
    }
    const ok = await post(
      '/v2/models/simple/infer',
      JSON.stringify({
        inputs: [
          { name: 'INPUT0', datatype: 'INT32', shape: [1, 16], data: [[...Array(16).keys()]] },
          { name: 'INPUT1', datatype: 'INT32', shape: [1, 16], data: [Array(16).fill(1)] },
        ],
      }),
    );
    expect(ok.status).toBe(200);
  });

  it('generate and generate_stream answer 400 naming the input', async () => {
    for (const route of ['generate', 'generate_stream']) {
      const answer = await post(`/v2/models/simple/${route}`, `{"INPUT0": ${deep(200_000)}, "INPUT1": [1]}`);
      expect(answer.status, route).toBe(400);
      expect(JSON.parse(answer.text).error).toBe("Input 'INPUT0' nests arrays deeper than 64 levels");
    }
    const ok = await post(
      '/v2/models/simple/generate',
      JSON.stringify({ INPUT0: [Array(16).fill(2)], INPUT1: Array(16).fill(3) }),
    );
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text).OUTPUT0).toEqual(Array(16).fill(5));
  });
});
