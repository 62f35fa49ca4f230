import { describe, expect, it } from 'vitest';
import type { ServerError } from '../../../src/common/errors.js';
import type { DataType, RawInputSpec } from '../../../src/protocol/index.js';
import {
  DATATYPES,
  decodeBytesStrings,
  decodeHttpInferRequest,
  ELEMENT_BYTES,
  encodeBytesElements,
  parseInferenceHeaderLength,
} from '../../../src/protocol/index.js';
import { serverErrorOf } from '../../helpers/server-error-of.js';
import { buildBody, bytesOf, jsonBody } from './request-builder.js';

const INT32_16 = bytesOf(new Int32Array(16).map((_, i) => i));

function binaryInput(name: string, datatype: string, shape: number[], size: number) {
  return { name, datatype, shape, parameters: { binary_data_size: size } };
}

/** Decodes a JSON-only request and returns the error it raises. */
function jsonError(header: unknown): ServerError {
  return serverErrorOf(() => decodeHttpInferRequest(jsonBody(header), undefined));
}

/** Decodes a JSON + binary request and returns the error it raises. */
function binaryError(header: unknown, parts: Uint8Array[]): ServerError {
  const { body, headerLength } = buildBody(header, parts);
  return serverErrorOf(() => decodeHttpInferRequest(body, headerLength));
}

function oneInput(input: Record<string, unknown>) {
  return { inputs: [{ name: 'IN', datatype: 'INT32', shape: [2], ...input }] };
}

describe('decodeHttpInferRequest: valid requests', () => {
  it('decodes every datatype sent as binary into views on the body', () => {
    for (const datatype of DATATYPES) {
      const bytes =
        datatype === 'BYTES'
          ? encodeBytesElements(['ab', '', 'c'])
          : new Uint8Array(3 * ELEMENT_BYTES[datatype]).map((_, i) => (datatype === 'BOOL' ? i & 1 : i + 1));
      const { body, headerLength } = buildBody(
        { inputs: [binaryInput('X', datatype, [1, 3], bytes.length)] },
        [bytes],
      );
      const req = decodeHttpInferRequest(body, headerLength);
      const input = req.inputs[0]!;
      expect(input.datatype).toBe(datatype);
      expect(input.shape).toEqual([1, 3]);
      expect(Array.from(input.data)).toEqual(Array.from(bytes));
      expect(input.data.buffer).toBe(body.buffer);
      expect(input.data.byteOffset).toBe(headerLength);
    }
  });

  it('decodes JSON data of every JSON-capable datatype, nested or flat', () => {
    const cases: [DataType, unknown, Uint8Array][] = [
      ['BOOL', [[true], [false]], new Uint8Array([1, 0])],
      ['UINT8', [[1], [255]], new Uint8Array([1, 255])],
      ['UINT16', [1, 2], bytesOf(new Uint16Array([1, 2]))],
      ['UINT32', [1, 4294967295], bytesOf(new Uint32Array([1, 4294967295]))],
      ['UINT64', [1, 2 ** 60], bytesOf(new BigUint64Array([1n, 2n ** 60n]))],
      ['INT8', [-1, 1], bytesOf(new Int8Array([-1, 1]))],
      ['INT16', [-300, 300], bytesOf(new Int16Array([-300, 300]))],
      ['INT32', [[-5], [5]], bytesOf(new Int32Array([-5, 5]))],
      ['INT64', [-(2 ** 60), 7], bytesOf(new BigInt64Array([-(2n ** 60n), 7n]))],
      ['FP32', [0.5, -2], bytesOf(new Float32Array([0.5, -2]))],
      ['FP64', [0.1, 1e300], bytesOf(new Float64Array([0.1, 1e300]))],
      ['BYTES', [['a'], ['\u0000']], encodeBytesElements(['a', '\u0000'])],
    ];
    for (const [datatype, data, expected] of cases) {
      const req = decodeHttpInferRequest(
        jsonBody({ inputs: [{ name: 'X', datatype, shape: [2, 1], data }] }),
        undefined,
      );
      expect(Array.from(req.inputs[0]!.data)).toEqual(Array.from(expected));
    }
  });

  it('decodes a mix of JSON, binary and shared-memory inputs with request fields and outputs', () => {
    const strings = encodeBytesElements(['hello', '']);
    const { body, headerLength } = buildBody(
      {
        id: 'req-7',
        parameters: { sequence_id: 'abc', sequence_start: true, priority: 1, custom: 2.5 },
        inputs: [
          binaryInput('A', 'INT32', [1, 16], 64),
          { name: 'B', datatype: 'FP32', shape: [2], data: [1.5, -3] },
          binaryInput('C', 'BYTES', [2], strings.length),
          {
            name: 'D',
            datatype: 'FP16',
            shape: [4],
            parameters: { shared_memory_region: 'r0', shared_memory_byte_size: 8, shared_memory_offset: 16 },
          },
        ],
        outputs: [
          { name: 'O1', parameters: { classification: 3 } },
          { name: 'O2', parameters: { binary_data: true, custom: 'x' } },
          { name: 'O3', parameters: { shared_memory_region: 'r1', shared_memory_byte_size: 64 } },
        ],
      },
      [INT32_16, strings],
    );
    const req = decodeHttpInferRequest(body, headerLength);
    expect(req.id).toBe('req-7');
    expect(req.parameters).toEqual({ sequence_id: 'abc', sequence_start: true, priority: 1, custom: 2.5 });
    expect(req.binaryDataOutput).toBe(false);
    expect(req.inputs.map((i) => i.name)).toEqual(['A', 'B', 'C', 'D']);
    expect(Array.from(new Int32Array(req.inputs[0]!.data.slice().buffer))).toEqual(
      Array.from(new Int32Array(16).map((_, i) => i)),
    );
    expect(Array.from(new Float32Array(req.inputs[1]!.data.buffer))).toEqual([1.5, -3]);
    expect(decodeBytesStrings(req.inputs[2]!.data)).toEqual(['hello', '']);
    expect(req.inputs[3]!.sharedMemory).toEqual({ region: 'r0', offsetBytes: 16, byteSize: 8 });
    expect(req.inputs[3]!.data.length).toBe(0);
    expect(req.outputs).toEqual([
      { name: 'O1', classCount: 3, binary: undefined, parameters: { classification: 3 }, sharedMemory: null },
      {
        name: 'O2',
        classCount: 0,
        binary: true,
        parameters: { binary_data: true, custom: 'x' },
        sharedMemory: null,
      },
      {
        name: 'O3',
        classCount: 0,
        binary: undefined,
        parameters: { shared_memory_region: 'r1', shared_memory_byte_size: 64 },
        sharedMemory: { region: 'r1', offsetBytes: 0, byteSize: 64 },
      },
    ]);
  });

  it('reads binary_data_output and leaves outputs null when none are listed', () => {
    const req = decodeHttpInferRequest(
      jsonBody({
        parameters: { binary_data_output: true },
        inputs: [{ name: 'X', datatype: 'INT8', shape: [0], data: [] }],
      }),
      undefined,
    );
    expect(req.binaryDataOutput).toBe(true);
    expect(req.outputs).toBeNull();
    expect(req.id).toBeUndefined();
    expect(req.inputs[0]!.data.length).toBe(0);
  });

  it('accepts bare NaN and Infinity in FP32 JSON data as Triton parser does', () => {
    const req = decodeHttpInferRequest(
      jsonBody('{"inputs":[{"name":"X","datatype":"FP32","shape":[3],"data":[NaN,-Infinity,Inf]}]}'),
      undefined,
    );
    expect(Array.from(new Float32Array(req.inputs[0]!.data.buffer))).toEqual([
      Number.NaN,
      Number.NEGATIVE_INFINITY,
      Number.POSITIVE_INFINITY,
    ]);
  });

  it('decodes the raw single-input form as batch 1 with the variable dimension inferred', () => {
    const spec: RawInputSpec = { name: 'IN', datatype: 'FP32', dims: [-1, 2], batched: true };
    const body = bytesOf(new Float32Array([1, 2, 3, 4, 5, 6]));
    const req = decodeHttpInferRequest(body, 0, { modelName: 'm', modelInputs: [spec] });
    expect(req.inputs[0]!.shape).toEqual([1, 3, 2]);
    expect(req.inputs[0]!.data).toBe(body);
    expect(req.binaryDataOutput).toBe(true);
    expect(req.outputs).toBeNull();
  });

  it('decodes a raw BYTES body as one element with its length prefix added', () => {
    const spec: RawInputSpec = { name: 'TEXT', datatype: 'BYTES', dims: [1], batched: false };
    const req = decodeHttpInferRequest(new TextEncoder().encode('hi there'), 0, { modelInputs: [spec] });
    expect(req.inputs[0]!.shape).toEqual([1]);
    expect(decodeBytesStrings(req.inputs[0]!.data)).toEqual(['hi there']);
  });

  it('parseInferenceHeaderLength reads the header value and refuses garbage', () => {
    expect(parseInferenceHeaderLength(undefined)).toBeUndefined();
    expect(parseInferenceHeaderLength(' 120 ')).toBe(120);
    expect(serverErrorOf(() => parseInferenceHeaderLength('12a')).message).toBe(
      "Unable to parse Inference-Header-Content-Length: expected a non-negative integer, got '12a'",
    );
  });
});

describe('decodeHttpInferRequest: malformed requests', () => {
  const cases: [string, () => ServerError, string, string][] = [
    [
      'header length larger than the body',
      () => serverErrorOf(() => decodeHttpInferRequest(new Uint8Array(100), 500)),
      'ERR_HEADER_LENGTH',
      'Inference-Header-Content-Length 500 is out of range: the body has 100 bytes',
    ],
    [
      'negative header length',
      () => serverErrorOf(() => decodeHttpInferRequest(new Uint8Array(100), -3)),
      'ERR_HEADER_LENGTH',
      'Inference-Header-Content-Length -3 is out of range: the body has 100 bytes',
    ],
    [
      'invalid UTF-8 in the JSON header',
      () =>
        serverErrorOf(() =>
          decodeHttpInferRequest(new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]), undefined),
        ),
      'ERR_REQUEST_UTF8',
      'Request JSON is not valid UTF-8: bad byte 0xc3 at offset 2 of 6',
    ],
    [
      'malformed JSON',
      () => jsonError('{"inputs": [1,2'),
      'ERR_REQUEST_JSON',
      "Malformed request JSON: Expected ',' or ']' after array element in JSON at position 15",
    ],
    [
      'a JSON array at top level',
      () => jsonError('[1]'),
      'ERR_REQUEST_FIELD',
      'Request JSON must be an object, got array',
    ],
    [
      'a JSON string at top level',
      () => jsonError('"x"'),
      'ERR_REQUEST_FIELD',
      'Request JSON must be an object, got string',
    ],
    ['no inputs', () => jsonError({ outputs: [] }), 'ERR_REQUEST_FIELD', "Request JSON has no 'inputs'"],
    [
      'inputs not an array',
      () => jsonError({ inputs: {} }),
      'ERR_REQUEST_FIELD',
      "Request 'inputs' must be an array, got object",
    ],
    [
      'id not a string',
      () => jsonError({ id: 5, inputs: [] }),
      'ERR_REQUEST_FIELD',
      "Request 'id' must be a string, got number",
    ],
    [
      'an input that is not an object',
      () => jsonError({ inputs: [7] }),
      'ERR_INPUT_FIELD',
      'Input 0 must be an object, got number',
    ],
    [
      'an input without name',
      () => jsonError({ inputs: [{ datatype: 'INT32', shape: [1], data: [1] }] }),
      'ERR_INPUT_FIELD',
      "Input 0 has no 'name'",
    ],
    [
      'a numeric input name',
      () => jsonError({ inputs: [{ name: 3, datatype: 'INT32', shape: [1], data: [1] }] }),
      'ERR_INPUT_FIELD',
      "Input 0: 'name' must be a string, got number",
    ],
    [
      'an input without datatype',
      () => jsonError({ inputs: [{ name: 'IN', shape: [1], data: [1] }] }),
      'ERR_INPUT_FIELD',
      "Input 'IN' has no 'datatype'",
    ],
    [
      'an unknown datatype',
      () => jsonError(oneInput({ datatype: 'FP8', data: [1, 2] })),
      'ERR_INPUT_DATATYPE',
      'Input \'IN\' has unknown datatype "FP8": expected one of BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, FP32, FP64, BYTES, BF16',
    ],
    [
      'an input without shape',
      () => jsonError({ inputs: [{ name: 'IN', datatype: 'INT32', data: [1] }] }),
      'ERR_INPUT_FIELD',
      "Input 'IN' has no 'shape'",
    ],
    [
      'a shape that is not an array',
      () => jsonError(oneInput({ shape: 2, data: [1, 2] })),
      'ERR_INPUT_FIELD',
      "Input 'IN': 'shape' must be an array, got number",
    ],
    [
      'a negative dimension',
      () => jsonError(oneInput({ shape: [1, -16], data: [1] })),
      'ERR_INPUT_SHAPE',
      "Input 'IN' has invalid shape [1,-16]: dimensions must be non-negative integers",
    ],
    [
      'a fractional dimension',
      () => jsonError(oneInput({ shape: [1.5], data: [1] })),
      'ERR_INPUT_SHAPE',
      "Input 'IN' has invalid shape [1.5]: dimensions must be non-negative integers",
    ],
    [
      'input parameters that are not an object',
      () => jsonError(oneInput({ data: [1, 2], parameters: [1] })),
      'ERR_PARAMETER',
      "The 'parameters' of input 'IN' must be an object, got array",
    ],
    [
      'an input with both data and binary_data_size',
      () => binaryError(oneInput({ data: [1, 2], parameters: { binary_data_size: 8 } }), [new Uint8Array(8)]),
      'ERR_INPUT_CONTENT',
      "Input 'IN' must set only one of the following fields: 'data', 'binary_data_size' in 'parameters', 'shared_memory_region' in 'parameters'. But set 'data' 'binary_data_size'",
    ],
    [
      'an input with no data at all',
      () => jsonError(oneInput({})),
      'ERR_INPUT_CONTENT',
      "Input 'IN' must set only one of the following fields: 'data', 'binary_data_size' in 'parameters', 'shared_memory_region' in 'parameters'. But no field is set",
    ],
    [
      'an input with data and a shared-memory region',
      () =>
        jsonError(
          oneInput({ data: [1, 2], parameters: { shared_memory_region: 'r', shared_memory_byte_size: 8 } }),
        ),
      'ERR_INPUT_CONTENT',
      "Input 'IN' must set only one of the following fields: 'data', 'binary_data_size' in 'parameters', 'shared_memory_region' in 'parameters'. But set 'data' 'shared_memory_region'",
    ],
    [
      'a binary size that does not match the shape',
      () => binaryError({ inputs: [binaryInput('INPUT0', 'INT32', [1, 16], 60)] }, [new Uint8Array(60)]),
      'ERR_BINARY_SIZE',
      "Input 'INPUT0': binary_data_size 60 does not match 64 bytes for shape [1,16] of INT32",
    ],
    [
      'a binary size beyond the end of the body',
      () => binaryError({ inputs: [binaryInput('INPUT0', 'INT32', [1, 16], 64)] }, [new Uint8Array(10)]),
      'ERR_BINARY_SIZE',
      `Input 'INPUT0': binary_data_size 64 exceeds the 10 bytes left in the body after byte ${JSON.stringify({ inputs: [binaryInput('INPUT0', 'INT32', [1, 16], 64)] }).length}`,
    ],
    [
      'binary sizes that leave bytes unread',
      () => {
        const header = { inputs: [binaryInput('INPUT0', 'INT32', [1, 16], 64)] };
        return binaryError(header, [INT32_16, new Uint8Array(20)]);
      },
      'ERR_BINARY_SIZE',
      `Unexpected additional input data: the body has 84 bytes after the ${JSON.stringify({ inputs: [binaryInput('INPUT0', 'INT32', [1, 16], 64)] }).length}-byte JSON header but the inputs' binary_data_size values add up to 64`,
    ],
    [
      'binary data without Inference-Header-Content-Length',
      () => jsonError({ inputs: [binaryInput('IN', 'INT32', [2], 8)] }),
      'ERR_BINARY_SIZE',
      "Input 'IN' has binary_data_size 8 but the request has no Inference-Header-Content-Length header; it must give the JSON length when passing inputs in binary data format",
    ],
    [
      'a negative binary_data_size',
      () => binaryError({ inputs: [binaryInput('IN', 'INT32', [2], -8)] }, []),
      'ERR_BINARY_SIZE',
      "Input 'IN': 'binary_data_size' must be a non-negative integer, got -8",
    ],
    [
      'BYTES binary data with fewer elements than the shape',
      () => {
        const s = encodeBytesElements(['a', 'b']);
        return binaryError({ inputs: [binaryInput('S', 'BYTES', [3], s.length)] }, [s]);
      },
      'ERR_BYTES_TENSOR',
      "BYTES tensor 'S' holds 2 elements but its shape needs 3",
    ],
    [
      'BYTES binary data with a truncated length prefix',
      () =>
        binaryError({ inputs: [binaryInput('S', 'BYTES', [2], 7)] }, [
          new Uint8Array([1, 0, 0, 0, 65, 9, 0]),
        ]),
      'ERR_BYTES_TENSOR',
      "BYTES tensor 'S': element 1 has a truncated length prefix at byte 5 (2 of 4 bytes left)",
    ],
    [
      'a shared-memory input without byte size',
      () => jsonError(oneInput({ parameters: { shared_memory_region: 'r0' } })),
      'ERR_SHARED_MEMORY_PARAMS',
      "Parameter 'shared_memory_byte_size' of input 'IN' must be a non-negative integer when 'shared_memory_region' is set: received undefined",
    ],
    [
      'a shared-memory byte size that does not match the shape',
      () => jsonError(oneInput({ parameters: { shared_memory_region: 'r0', shared_memory_byte_size: 4 } })),
      'ERR_SHARED_MEMORY_PARAMS',
      "Input 'IN': shared_memory_byte_size 4 does not match 8 bytes for shape [2] of INT32",
    ],
    [
      'a shared-memory region that is not a string',
      () => jsonError(oneInput({ parameters: { shared_memory_region: 5, shared_memory_byte_size: 8 } })),
      'ERR_SHARED_MEMORY_PARAMS',
      "Parameter 'shared_memory_region' of input 'IN' must be a non-empty string: received 5",
    ],
    [
      'FP16 data sent as JSON',
      () => jsonError({ inputs: [{ name: 'H', datatype: 'FP16', shape: [1], data: [1] }] }),
      'ERR_JSON_DATA_UNSUPPORTED',
      "Receiving FP16 data via JSON is not supported. Please use the binary data format for input 'H'",
    ],
    [
      'JSON data with too few elements',
      () => jsonError(oneInput({ shape: [1, 16], data: new Array(15).fill(1) })),
      'ERR_JSON_DATA_SHAPE',
      "Input 'IN': 'data' has 15 elements but shape [1,16] needs 16",
    ],
    [
      'JSON data of the wrong type',
      () => jsonError(oneInput({ data: [1, true] })),
      'ERR_JSON_DATA',
      "Input 'IN': element 1 of 'data' must be an integer for INT32, got boolean true",
    ],
    [
      'two inputs with the same name',
      () =>
        jsonError({ inputs: [oneInput({ data: [1, 2] }).inputs[0], oneInput({ data: [3, 4] }).inputs[0]] }),
      'ERR_DUPLICATE_TENSOR',
      "Input 'IN' appears more than once in the request",
    ],
    [
      'outputs that are not an array',
      () => jsonError({ ...oneInput({ data: [1, 2] }), outputs: 'O' }),
      'ERR_REQUEST_FIELD',
      "Request 'outputs' must be an array, got string",
    ],
    [
      'an output without name',
      () => jsonError({ ...oneInput({ data: [1, 2] }), outputs: [{ parameters: {} }] }),
      'ERR_OUTPUT_FIELD',
      "Output 0 has no 'name'",
    ],
    [
      'a negative classification count',
      () =>
        jsonError({
          ...oneInput({ data: [1, 2] }),
          outputs: [{ name: 'O', parameters: { classification: -1 } }],
        }),
      'ERR_OUTPUT_FIELD',
      "Output 'O': 'classification' must be a non-negative integer, got -1",
    ],
    [
      'a classification count given as a string',
      () =>
        jsonError({
          ...oneInput({ data: [1, 2] }),
          outputs: [{ name: 'O', parameters: { classification: '3' } }],
        }),
      'ERR_OUTPUT_FIELD',
      "Output 'O': 'classification' must be a non-negative integer, got \"3\"",
    ],
    [
      'binary_data that is not a boolean',
      () =>
        jsonError({
          ...oneInput({ data: [1, 2] }),
          outputs: [{ name: 'O', parameters: { binary_data: 1 } }],
        }),
      'ERR_OUTPUT_FIELD',
      "Output 'O': 'binary_data' must be a boolean, got 1",
    ],
    [
      'an output in shared memory with classification',
      () =>
        jsonError({
          ...oneInput({ data: [1, 2] }),
          outputs: [
            {
              name: 'O',
              parameters: { shared_memory_region: 'r', shared_memory_byte_size: 8, classification: 2 },
            },
          ],
        }),
      'ERR_SHARED_MEMORY_PARAMS',
      "Output 'O' can't set both 'shared_memory_region' and 'classification'",
    ],
    [
      'an output in shared memory with binary_data',
      () =>
        jsonError({
          ...oneInput({ data: [1, 2] }),
          outputs: [
            {
              name: 'O',
              parameters: { shared_memory_region: 'r', shared_memory_byte_size: 8, binary_data: true },
            },
          ],
        }),
      'ERR_SHARED_MEMORY_PARAMS',
      "Output 'O' can't set both 'shared_memory_region' and 'binary_data'",
    ],
    [
      'two outputs with the same name',
      () => jsonError({ ...oneInput({ data: [1, 2] }), outputs: [{ name: 'O' }, { name: 'O' }] }),
      'ERR_DUPLICATE_TENSOR',
      "Output 'O' appears more than once in the request",
    ],
    [
      'a request parameter starting with triton_',
      () =>
        jsonError({
          ...oneInput({ data: [1, 2] }),
          parameters: { triton_enable_empty_final_response: true },
        }),
      'ERR_PARAMETER',
      "Parameter keys starting with 'triton_' are reserved for Triton usage and should not be specified: received 'triton_enable_empty_final_response'",
    ],
    [
      'a request parameter holding an object',
      () => jsonError({ ...oneInput({ data: [1, 2] }), parameters: { extra: { a: 1 } } }),
      'ERR_PARAMETER',
      "Parameter 'extra' of the request has invalid type object. It should be either 'int', 'bool', or 'string'",
    ],
    [
      'a negative priority',
      () => jsonError({ ...oneInput({ data: [1, 2] }), parameters: { priority: -1 } }),
      'ERR_PARAMETER',
      "Parameter 'priority' of the request must be a non-negative integer: received -1",
    ],
    [
      'a sequence_start that is not a boolean',
      () => jsonError({ ...oneInput({ data: [1, 2] }), parameters: { sequence_start: 1 } }),
      'ERR_PARAMETER',
      "Parameter 'sequence_start' of the request must be a boolean: received 1",
    ],
    [
      'a sequence_id that is neither integer nor string',
      () => jsonError({ ...oneInput({ data: [1, 2] }), parameters: { sequence_id: true } }),
      'ERR_PARAMETER',
      "Parameter 'sequence_id' of the request must be a non-negative integer or a string: received true",
    ],
  ];

  for (const [what, run, code, message] of cases) {
    it(`rejects ${what}`, () => {
      const err = run();
      expect(err.status).toBe('INVALID_ARG');
      expect(err.code).toBe(code);
      expect(err.message).toBe(message);
    });
  }

  const rawCases: [string, RawInputSpec[], Uint8Array, string][] = [
    [
      'a raw request for a model with two inputs',
      [
        { name: 'A', datatype: 'FP32', dims: [2], batched: false },
        { name: 'B', datatype: 'FP32', dims: [2], batched: false },
      ],
      new Uint8Array(8),
      "Raw request must only have 1 input (found 1) to be deduced but got 2 inputs in 'm' model configuration",
    ],
    [
      'a raw request for an input with two variable dimensions',
      [{ name: 'A', datatype: 'FP32', dims: [-1, -1], batched: true }],
      new Uint8Array(8),
      "The shape of the raw input 'A' can not be deduced because there are more than one variable-sized dimension",
    ],
    [
      'a raw BYTES request for an input whose dims are not [1]',
      [{ name: 'T', datatype: 'BYTES', dims: [2], batched: false }],
      new Uint8Array(3),
      "For BYTES datatype raw input 'T', the model must have input shape [1]: got [2]",
    ],
    [
      'a raw body that is not a whole number of rows',
      [{ name: 'A', datatype: 'FP32', dims: [-1, 2], batched: true }],
      new Uint8Array(12),
      "Raw input 'A': 12 bytes are not a whole number of [-1,2] FP32 rows of 8 bytes",
    ],
    [
      'a raw body whose size does not match a fixed shape',
      [{ name: 'A', datatype: 'INT32', dims: [4], batched: true }],
      new Uint8Array(12),
      "Raw input 'A': got 12 bytes but shape [1,4] of INT32 needs 16",
    ],
  ];

  for (const [what, modelInputs, body, message] of rawCases) {
    it(`rejects ${what}`, () => {
      const err = serverErrorOf(() => decodeHttpInferRequest(body, 0, { modelName: 'm', modelInputs }));
      expect(err.code).toBe('ERR_RAW_INPUT');
      expect(err.message).toBe(message);
    });
  }
});
