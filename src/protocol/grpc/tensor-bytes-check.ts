/**
 * Checks that a decoded input's wire bytes agree with its shape, with Triton's error texts (so
 * clients that match on them keep working): fixed-size types need exactly elements × size bytes;
 * BYTES needs exactly one well-formed length-prefixed element per shape element. It does not
 * check shapes against a model's config (the core does).
 */
import { invalidArg } from '../../common/index.js';
import { type DataType, ELEMENT_BYTES } from '../datatypes.js';
import { ProtocolErrorCode } from '../error-codes.js';
import { elementCount } from '../tensor.js';

/** Throws INVALID_ARG when `data` does not hold exactly the elements `shape` declares. */
export function checkTensorBytes(
  datatype: DataType,
  shape: readonly number[],
  data: Uint8Array,
  inputName: string,
  modelName: string,
): void {
  const count = elementCount(shape);
  if (datatype !== 'BYTES') {
    const expected = count * ELEMENT_BYTES[datatype];
    if (data.length !== expected) {
      throw invalidArg(
        ProtocolErrorCode.BINARY_SIZE,
        `input byte size mismatch for input '${inputName}' for model '${modelName}'. Expected ${expected}, got ${data.length}`,
      );
    }
    return;
  }
  checkBytesElements(data, count, inputName, modelName);
}

function checkBytesElements(data: Uint8Array, count: number, inputName: string, modelName: string): void {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let offset = 0;
  let seen = 0;
  while (offset < data.length) {
    if (offset + 4 > data.length) {
      throw invalidArg(
        ProtocolErrorCode.BYTES_TENSOR,
        `element byte size indicator exceeds the end of the buffer for inference input '${inputName}' for model '${modelName}'`,
      );
    }
    const length = view.getUint32(offset, true);
    offset += 4;
    if (offset + length > data.length) {
      throw invalidArg(
        ProtocolErrorCode.BYTES_TENSOR,
        `element byte size indicator exceeds the end of the buffer for inference input '${inputName}' for model '${modelName}'`,
      );
    }
    offset += length;
    seen++;
    if (seen > count) {
      throw invalidArg(
        ProtocolErrorCode.BYTES_TENSOR,
        `unexpected number of string elements ${seen} for inference input '${inputName}' for model '${modelName}', expecting ${count}`,
      );
    }
  }
  if (seen !== count) {
    throw invalidArg(
      ProtocolErrorCode.BYTES_TENSOR,
      `expected ${count} string elements for inference input '${inputName}' for model '${modelName}', got ${seen}`,
    );
  }
}
