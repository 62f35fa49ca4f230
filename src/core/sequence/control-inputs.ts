/**
 * The control tensors of `sequence_batching.control_input`, synthesised for each batch: START,
 * END and READY as the configured false/true values (int32, fp32 or bool), CORRID as the row's
 * correlation id (UINT64/INT64/UINT32/INT32 little-endian, or BYTES). Each is [rows, 1] when the
 * model batches, else [1]. An empty row (direct strategy) has every flag false and CORRID 0/''.
 */
import { invalidArg } from '../../common/index.js';
import type { DataType, ModelConfig, SequenceControl, Tensor } from '../../protocol/index.js';
import { encodeBytesElements } from '../../protocol/index.js';
import { formatSequenceId, type SequenceId } from './sequence-flags.js';

/** What the controls of one batch row are made from. */
export interface ControlRow {
  /** The row's request starts its sequence. */
  readonly start: boolean;
  /** The row's request ends its sequence. */
  readonly end: boolean;
  /** The row holds a request (false for the empty rows of the direct strategy). */
  readonly ready: boolean;
  /** The row's correlation id, or null for an empty row. */
  readonly id: SequenceId | null;
}

/** Which flag a boolean control carries. */
const FLAG = { START: 0, END: 1, READY: 2 } as const;

interface BooleanControl {
  readonly name: string;
  readonly flag: number;
  readonly datatype: DataType;
  /** Wire bytes of false and true. */
  readonly falseBytes: Uint8Array;
  readonly trueBytes: Uint8Array;
}

interface CorridControl {
  readonly name: string;
  readonly datatype: DataType;
}

const CORRID_WIRE: Record<string, DataType> = {
  TYPE_UINT64: 'UINT64',
  TYPE_INT64: 'INT64',
  TYPE_UINT32: 'UINT32',
  TYPE_INT32: 'INT32',
  TYPE_STRING: 'BYTES',
};

/** The control inputs of a sequence model, ready to fill per batch. */
export class ControlInputs {
  /** Names of every control input (the model receives them; clients never send them). */
  readonly names: readonly string[];
  private readonly flags: readonly BooleanControl[];
  private readonly corrid: CorridControl | null;
  private readonly batched: boolean;

  constructor(config: ModelConfig) {
    const flags: BooleanControl[] = [];
    let corrid: CorridControl | null = null;
    for (const input of config.sequence_batching?.control_input ?? []) {
      for (const control of input.control) {
        if (control.kind === 'CONTROL_SEQUENCE_CORRID') {
          corrid = { name: input.name, datatype: CORRID_WIRE[control.data_type] ?? 'UINT64' };
        } else {
          const flag =
            control.kind === 'CONTROL_SEQUENCE_START'
              ? FLAG.START
              : control.kind === 'CONTROL_SEQUENCE_END'
                ? FLAG.END
                : FLAG.READY;
          flags.push({ name: input.name, flag, ...booleanValues(control) });
        }
      }
    }
    this.flags = flags;
    this.corrid = corrid;
    this.batched = config.max_batch_size > 0;
    this.names = [...flags.map((f) => f.name), ...(corrid ? [corrid.name] : [])];
  }

  /**
   * Checks at admission that `id` fits the CORRID tensor: a string id needs a decimal integer
   * string when CORRID is numeric.
   * @throws ServerError INVALID_ARG otherwise
   */
  checkId(id: SequenceId, modelName: string): void {
    if (this.corrid === null || typeof id !== 'string' || this.corrid.datatype === 'BYTES') return;
    if (!/^[0-9]{1,20}$/.test(id) || BigInt(id) >= 1n << 64n) {
      throw invalidArg(
        'ERR_SEQUENCE_ID_TYPE',
        `Sequence id "${id}" of a request to model '${modelName}' must be an unsigned integer because its CORRID control '${this.corrid.name}' is ${this.corrid.datatype}`,
      );
    }
  }

  /** The control tensors for `rows`, in control order. */
  build(rows: readonly ControlRow[]): Tensor[] {
    const n = rows.length;
    const shape = this.batched ? [n, 1] : [1];
    const out: Tensor[] = [];
    for (const f of this.flags) {
      const size = f.trueBytes.length;
      const data = new Uint8Array(n * size);
      for (let i = 0; i < n; i++) {
        const row = rows[i]!;
        const on = f.flag === FLAG.START ? row.start : f.flag === FLAG.END ? row.end : row.ready;
        data.set(on && row.ready ? f.trueBytes : f.falseBytes, i * size);
      }
      out.push({ name: f.name, datatype: f.datatype, shape, data });
    }
    if (this.corrid !== null) out.push(corridTensor(this.corrid, rows, shape));
    return out;
  }
}

function corridTensor(control: CorridControl, rows: readonly ControlRow[], shape: number[]): Tensor {
  const n = rows.length;
  if (control.datatype === 'BYTES') {
    const ids = rows.map((r) => (r.id === null ? '' : formatSequenceId(r.id)));
    return { name: control.name, datatype: 'BYTES', shape, data: encodeBytesElements(ids) };
  }
  const wide = control.datatype === 'UINT64' || control.datatype === 'INT64';
  const data = new Uint8Array(n * (wide ? 8 : 4));
  const view = new DataView(data.buffer);
  for (let i = 0; i < n; i++) {
    const id = rows[i]!.id;
    const value = id === null ? 0n : typeof id === 'bigint' ? id : BigInt(id);
    if (wide) view.setBigUint64(i * 8, value, true);
    else view.setUint32(i * 4, Number(value & 0xffffffffn), true); // 32-bit CORRID truncates, as in Triton
  }
  return { name: control.name, datatype: control.datatype, shape, data };
}

function booleanValues(control: SequenceControl): {
  datatype: DataType;
  falseBytes: Uint8Array;
  trueBytes: Uint8Array;
} {
  if (control.int32_false_true.length === 2) {
    const [f, t] = control.int32_false_true as [number, number];
    return { datatype: 'INT32', falseBytes: int32Bytes(f), trueBytes: int32Bytes(t) };
  }
  if (control.fp32_false_true.length === 2) {
    const [f, t] = control.fp32_false_true as [number, number];
    return { datatype: 'FP32', falseBytes: fp32Bytes(f), trueBytes: fp32Bytes(t) };
  }
  const [f, t] = control.bool_false_true as [boolean, boolean];
  return { datatype: 'BOOL', falseBytes: Uint8Array.of(f ? 1 : 0), trueBytes: Uint8Array.of(t ? 1 : 0) };
}

function int32Bytes(v: number): Uint8Array {
  return new Uint8Array(Int32Array.of(v).buffer);
}

function fp32Bytes(v: number): Uint8Array {
  return new Uint8Array(Float32Array.of(v).buffer);
}
