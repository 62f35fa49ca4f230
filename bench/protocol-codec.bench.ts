/**
 * Micro-benchmark of the HTTP tensor codecs: decode of a 16-element INT32 binary request (the
 * `simple` model's shape), the same as JSON, and response encoding, printed as ns/op next to a
 * bare JSON.parse of the same header as the in-run reference. Not a test: prints figures only.
 * Run: `npx vite-node bench/protocol-codec.bench.ts` or `node dist/bench/protocol-codec.bench.js`.
 */
import {
  decodeHttpInferRequest,
  encodeHttpInferResponse,
  type OutputEncodingRequest,
  type Tensor,
} from '../src/protocol/index.js';

function measure(label: string, iterations: number, fn: () => unknown): number {
  for (let i = 0; i < Math.min(iterations, 20000); i++) fn(); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  const ns = Number(process.hrtime.bigint() - start) / iterations;
  console.log(`${label.padEnd(48)} ${ns.toFixed(0).padStart(7)} ns/op`);
  return ns;
}

function binaryRequest(): { body: Uint8Array; headerLength: number } {
  const header = JSON.stringify({
    inputs: [
      { name: 'INPUT0', shape: [1, 16], datatype: 'INT32', parameters: { binary_data_size: 64 } },
      { name: 'INPUT1', shape: [1, 16], datatype: 'INT32', parameters: { binary_data_size: 64 } },
    ],
    outputs: [
      { name: 'OUTPUT0', parameters: { binary_data: true } },
      { name: 'OUTPUT1', parameters: { binary_data: true } },
    ],
  });
  const json = Buffer.from(header);
  const body = new Uint8Array(json.length + 128);
  body.set(json, 0);
  const values = new Int32Array(32).map((_, i) => i);
  body.set(new Uint8Array(values.buffer), json.length);
  return { body, headerLength: json.length };
}

function jsonRequest(): Uint8Array {
  const data = Array.from({ length: 16 }, (_, i) => i);
  return Buffer.from(
    JSON.stringify({
      inputs: [
        { name: 'INPUT0', shape: [1, 16], datatype: 'INT32', data },
        { name: 'INPUT1', shape: [1, 16], datatype: 'INT32', data },
      ],
    }),
  );
}

const N = 200_000;
const { body, headerLength } = binaryRequest();
const headerText = Buffer.from(body.subarray(0, headerLength)).toString();
const jsonBody = jsonRequest();

console.log(`protocol codec micro-benchmark (${N} iterations each, node ${process.version})`);
const parseNs = measure('reference: JSON.parse of the binary header', N, () => JSON.parse(headerText));
const binNs = measure('decode binary request, 2 × INT32[1,16]', N, () =>
  decodeHttpInferRequest(body, headerLength),
);
measure('decode JSON request, 2 × INT32[1,16]', N, () => decodeHttpInferRequest(jsonBody, undefined));

const outputs: Tensor[] = [
  {
    name: 'OUTPUT0',
    datatype: 'INT32',
    shape: [1, 16],
    data: body.subarray(headerLength, headerLength + 64),
  },
  { name: 'OUTPUT1', datatype: 'INT32', shape: [1, 16], data: body.subarray(headerLength + 64) },
];
const asBinary: OutputEncodingRequest = { binaryDataOutput: true, outputs: null };
const asJson: OutputEncodingRequest = { binaryDataOutput: false, outputs: null };
const response = { id: '1', modelName: 'simple', modelVersion: '1', outputs };
measure('encode binary response, 2 × INT32[1,16]', N, () => encodeHttpInferResponse(response, asBinary));
measure('encode JSON response, 2 × INT32[1,16]', N, () => encodeHttpInferResponse(response, asJson));
console.log(`binary decode / bare JSON.parse of its header: ${(binNs / parseNs).toFixed(2)}x`);
