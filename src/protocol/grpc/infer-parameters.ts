/**
 * Converts gRPC `InferParameter` maps to the protocol's plain parameter values and back. Decoding
 * folds int64_param and uint64_param into one integer form (number when it is a safe integer,
 * bigint otherwise), so later layers accept either as Triton does. Request-level reserved keys
 * get Triton's gRPC type checks here; what they mean is the core's business.
 */
import { invalidArg } from '../../common/index.js';
import { ProtocolErrorCode } from '../error-codes.js';
import type { Parameters, ParameterValue } from '../tensor.js';
import type { InferParameterMap, InferParameterMessage, Int64Like } from './grpc-messages.js';

const INT64_MAX = 0x7fff_ffff_ffff_ffffn;
const INT64_MIN = -0x8000_0000_0000_0000n;

/** A decoded 64-bit integer as a number when it is a safe integer, else as a bigint. */
export function int64ToValue(value: Int64Like): number | bigint {
  if (typeof value === 'number') return value;
  const big = typeof value === 'bigint' ? value : BigInt(value);
  return big >= -9_007_199_254_740_991n && big <= 9_007_199_254_740_991n ? Number(big) : big;
}

type ParameterChoice = NonNullable<InferParameterMessage['parameter_choice']>;

const CHOICES: readonly ParameterChoice[] = [
  'bool_param',
  'int64_param',
  'string_param',
  'double_param',
  'uint64_param',
];

/** The oneof member set in `p` (from proto-loader's marker, else the first member present). */
function choiceOf(p: InferParameterMessage): ParameterChoice | undefined {
  if (p.parameter_choice !== undefined) return p.parameter_choice;
  for (const c of CHOICES) if (p[c] !== undefined) return c;
  return undefined;
}

/**
 * One InferParameter as a plain value; `where` names the owner in errors
 * (e.g. `parameter 'priority' of model 'simple'`).
 */
export function parameterFromMessage(param: InferParameterMessage, where: string): ParameterValue {
  switch (choiceOf(param)) {
    case 'bool_param':
      return param.bool_param === true;
    case 'int64_param':
      return int64ToValue(param.int64_param ?? 0);
    case 'uint64_param':
      return int64ToValue(param.uint64_param ?? 0);
    case 'string_param':
      return param.string_param ?? '';
    case 'double_param':
      return param.double_param ?? 0;
    default:
      throw invalidArg(
        ProtocolErrorCode.PARAMETER,
        `The value of ${where} is not set: expected one of bool_param, int64_param, string_param, double_param, uint64_param`,
      );
  }
}

/**
 * A `map<string, InferParameter>` as plain parameters; `owner` names the map's owner in errors
 * (e.g. `model 'simple'` or `input 'INPUT0' for model 'simple'`).
 */
export function decodeParameters(map: InferParameterMap | null | undefined, owner: string): Parameters {
  const out: Parameters = {};
  if (map == null) return out;
  for (const key in map) {
    out[key] = parameterFromMessage(map[key]!, `parameter '${key}' of ${owner}`);
  }
  return out;
}

// Request keys starting with `triton_` that Triton's gRPC frontend accepts.
const ALLOWED_TRITON_KEYS: ReadonlySet<string> = new Set(['triton_enable_empty_final_response']);

function isInteger(choice: ParameterChoice | undefined): boolean {
  return choice === 'int64_param' || choice === 'uint64_param';
}

function wrongType(key: string, expected: string): never {
  throw invalidArg(
    ProtocolErrorCode.PARAMETER,
    `invalid value type for '${key}' parameter, expected ${expected}`,
  );
}

/**
 * Request-level parameters with Triton's gRPC checks of the reserved keys: sequence_id integer or
 * string; sequence_start, sequence_end, binary_data_output (HTTP's, refused in the same cases)
 * and triton_enable_empty_final_response bool; priority and
 * timeout non-negative integers (int64_param or uint64_param); other `triton_` keys refused.
 */
export function decodeRequestParameters(
  map: InferParameterMap | null | undefined,
  modelName: string,
): Parameters {
  const params = decodeParameters(map, `model '${modelName}'`);
  if (map == null) return params;
  for (const key in map) {
    const choice = choiceOf(map[key]!);
    switch (key) {
      case 'sequence_id':
        if (!isInteger(choice) && choice !== 'string_param') wrongType(key, 'int64_param or string_param');
        break;
      case 'sequence_start':
      case 'sequence_end':
      case 'binary_data_output':
        if (choice !== 'bool_param') wrongType(key, 'bool_param');
        break;
      case 'priority':
      case 'timeout':
        if (!isInteger(choice)) wrongType(key, 'int64_param or uint64_param');
        if ((params[key] as number | bigint) < 0) {
          throw invalidArg(
            ProtocolErrorCode.PARAMETER,
            `invalid value for '${key}', expected value >= 0: received ${String(params[key])}`,
          );
        }
        break;
      default:
        if (!key.startsWith('triton_')) break;
        if (!ALLOWED_TRITON_KEYS.has(key)) {
          throw invalidArg(
            ProtocolErrorCode.PARAMETER,
            `parameter keys starting with 'triton_' are reserved for Triton usage. Only the following keys starting with 'triton_' are allowed: ${[...ALLOWED_TRITON_KEYS].join(' ')}`,
          );
        }
        if (choice !== 'bool_param') wrongType(key, 'bool_param');
    }
  }
  return params;
}

/**
 * Plain parameters as a `map<string, InferParameter>`: booleans → bool_param, strings →
 * string_param, safe integers and bigints → int64_param (uint64_param above INT64_MAX), other numbers → double_param.
 */
export function encodeParameters(params: Parameters | null | undefined): InferParameterMap {
  const out: InferParameterMap = {};
  if (params == null) return out;
  for (const key in params) out[key] = parameterToMessage(params[key]!);
  return out;
}

/** One plain value as an InferParameter (see encodeParameters for the mapping). */
export function parameterToMessage(value: ParameterValue): InferParameterMessage {
  switch (typeof value) {
    case 'boolean':
      return { bool_param: value };
    case 'string':
      return { string_param: value };
    case 'bigint':
      if (value > INT64_MAX) return { uint64_param: value };
      if (value < INT64_MIN) {
        throw invalidArg(ProtocolErrorCode.PARAMETER, `Parameter value ${value} is below the int64 range`);
      }
      return { int64_param: value };
    default:
      return Number.isSafeInteger(value) ? { int64_param: value } : { double_param: value };
  }
}
