/**
 * The in-process limit of the LLM benchmark, run as its own process: node-llama-cpp alone decoding
 * N sequences of TOKENS tokens each in one context (stories260K, one thread, the server's
 * tokenization: BOS + prompt, greedy, end-of-generation ignored), one warm-up round then one
 * measured round. Prints one JSON line: tokens/s and the TTFT and inter-token latency quantiles,
 * timed per token where the tokens come out. Usage: `node llm-limit.js <gguf> <N> <TOKENS>`.
 */
import type { Token } from 'node-llama-cpp';
import { getOfflineLlama } from '../../src/backends/llama-cpp/offline-llama.js';

const [gguf, nText, tokensText] = process.argv.slice(2);
const N = Number(nText);
const TOKENS = Number(tokensText);

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

const llama = await getOfflineLlama({ gpu: false, threads: 1 });
const model = await llama.loadModel({ modelPath: gguf! });
const context = await model.createContext({ sequences: N, contextSize: 256, threads: 1, batchSize: N + 256 });
const prompt = [model.tokens.bos!, ...model.tokenize('Once upon a time')] as Token[];

const sequences = Array.from({ length: N }, () => context.getSequence());

async function round(): Promise<{ seconds: number; ttft: number[]; itl: number[] }> {
  for (const sequence of sequences) await sequence.clearHistory();
  const ttft: number[] = [];
  const itl: number[] = [];
  const start = performance.now();
  await Promise.all(
    sequences.map(async (sequence) => {
      let first = -1;
      let last = -1;
      let n = 0;
      for await (const _token of sequence.evaluate(prompt, { temperature: 0 })) {
        last = performance.now();
        if (first < 0) {
          first = last;
          ttft.push(first - start);
        }
        if (++n >= TOKENS) break;
      }
      // genai-perf's per-request inter-token latency.
      itl.push((last - first) / (n - 1));
    }),
  );
  return { seconds: (performance.now() - start) / 1000, ttft, itl };
}

await round();
const measured = await round();
console.log(
  JSON.stringify({
    tokensPerS: (N * TOKENS) / measured.seconds,
    ttftP50Ms: quantile(measured.ttft, 0.5),
    ttftP99Ms: quantile(measured.ttft, 0.99),
    itlP50Ms: quantile(measured.itl, 0.5),
    itlP99Ms: quantile(measured.itl, 0.99),
  }),
);
await context.dispose();
await model.dispose();
await llama.dispose();
