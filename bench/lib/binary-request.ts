/**
 * Builds a KServe v2 binary-tensor request body (JSON header + raw input bytes) with its headers,
 * asking for every output in binary. Shared by the HTTP benchmarks.
 */

/** One input of a benchmark request. */
export interface BenchInput {
  name: string;
  datatype: string;
  shape: number[];
  data: Uint8Array;
}

/** The body and headers of a binary infer request for `inputs`. */
export function binaryRequest(inputs: BenchInput[]): { body: Buffer; headers: Record<string, string> } {
  const header = JSON.stringify({
    inputs: inputs.map((i) => ({
      name: i.name,
      datatype: i.datatype,
      shape: i.shape,
      parameters: { binary_data_size: i.data.length },
    })),
    parameters: { binary_data_output: true },
  });
  const json = Buffer.from(header);
  const body = Buffer.concat([
    json,
    ...inputs.map((i) => Buffer.from(i.data.buffer, i.data.byteOffset, i.data.byteLength)),
  ]);
  return {
    body,
    headers: {
      'inference-header-content-length': String(json.length),
      'content-type': 'application/octet-stream',
    },
  };
}
