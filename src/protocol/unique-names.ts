/**
 * The check that a request names each input and each requested output once, shared by the HTTP
 * and gRPC decoders so both protocols refuse the same requests. Quadratic on purpose: requests
 * name a handful of tensors, and no set is allocated per request.
 */
import { invalidArg } from '../common/index.js';
import { ProtocolErrorCode } from './error-codes.js';

/**
 * Throws when two entries share a name.
 * @throws ServerError INVALID_ARG (ERR_DUPLICATE_TENSOR): `<kind> '<name>' appears more than once in the request`
 */
export function checkUniqueNames(names: readonly { name: string }[], kind: 'Input' | 'Output'): void {
  for (let i = 1; i < names.length; i++) {
    const n = names[i]!.name;
    for (let j = 0; j < i; j++) {
      if (names[j]!.name === n) {
        throw invalidArg(
          ProtocolErrorCode.DUPLICATE_TENSOR,
          `${kind} '${n}' appears more than once in the request`,
        );
      }
    }
  }
}
