// text_stream: a decoupled JavaScript model streaming the words of `text_input` back as
// `text_output`, one response per word (later words carry a leading space), then the final flag.
// Parameters `max_tokens` (cap on responses) and `delay_ms` (pause between words) are optional.
// execute() returns at once; each request streams from its own async function.
import { createTensor, ModelError, stringElements } from 'nereid/backend';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads an optional non-negative integer parameter. */
function intParameter(request, name, fallback) {
  const value = request.parameters[name];
  if (value === undefined) return fallback;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new ModelError(
      `Parameter '${name}' must be a non-negative integer: received ${JSON.stringify(value)}`,
      'INVALID_ARG',
    );
  }
  return n;
}

/** Streams one request's words, then the final flag. */
async function stream(request) {
  const sender = request.responseSender();
  try {
    const text = stringElements(request.input('text_input'))[0] ?? '';
    const maxTokens = intParameter(request, 'max_tokens', Number.MAX_SAFE_INTEGER);
    const delayMs = intParameter(request, 'delay_ms', 0);
    const words = text.split(/\s+/).filter((w) => w !== '');
    const count = Math.min(words.length, maxTokens);
    for (let i = 0; i < count; i++) {
      if (i > 0 && delayMs > 0) await sleep(delayMs);
      if (sender.closed) return;
      const piece = i === 0 ? words[i] : ` ${words[i]}`;
      sender.send([createTensor('text_output', 'BYTES', [1], [piece])]);
    }
    sender.send(null, { final: true });
  } catch (err) {
    if (!sender.closed) sender.send(err instanceof Error ? err : new Error(String(err)));
  }
}

export default class TextStream {
  /** @param {import('nereid/backend').ModelRequest[]} requests */
  execute(requests) {
    for (const request of requests) void stream(request);
  }
}
