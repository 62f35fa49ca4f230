/**
 * RowPartsTensor: a batch input made of its requests' rows, kept as the parts until someone reads
 * `data`. The worker transports pack each part straight into their ring, slab or message buffer
 * (worker-protocol.ts), so a batch of large inputs is copied once on the main thread instead of
 * twice, and no batch-sized buffer is allocated per execution (each was garbage for the collector:
 * a batch of 8 text_orientation images is 884 KB). Anything else that reads `data` gets the parts
 * joined once, as before.
 */
import type { DataType } from './datatypes.js';
import type { Tensor } from './tensor.js';

/** A tensor whose bytes are `rowParts` one after the other; `data` joins them on first read. */
export class RowPartsTensor implements Tensor {
  readonly name: string;
  readonly datatype: DataType;
  readonly shape: readonly number[];
  /** The parts, in row order. */
  readonly rowParts: readonly Uint8Array[];
  /** Total bytes of the parts (the length `data` will have). */
  readonly byteLength: number;
  private joined: Uint8Array | null = null;

  constructor(name: string, datatype: DataType, shape: readonly number[], rowParts: readonly Uint8Array[]) {
    this.name = name;
    this.datatype = datatype;
    this.shape = shape;
    this.rowParts = rowParts;
    let bytes = 0;
    for (let i = 0; i < rowParts.length; i++) bytes += rowParts[i]!.length;
    this.byteLength = bytes;
  }

  /** The parts joined (once). */
  get data(): Uint8Array {
    if (this.joined === null) {
      this.joined = new Uint8Array(this.byteLength);
      this.copyTo(this.joined, 0);
    }
    return this.joined;
  }

  /** Copies the parts one after the other into `bytes` at `offset`, without joining them. */
  copyTo(bytes: Uint8Array, offset: number): void {
    let at = offset;
    for (let i = 0; i < this.rowParts.length; i++) {
      bytes.set(this.rowParts[i]!, at);
      at += this.rowParts[i]!.length;
    }
  }

  /** The same parts under another shape (a config reshape). */
  withShape(shape: readonly number[]): RowPartsTensor {
    return new RowPartsTensor(this.name, this.datatype, shape, this.rowParts);
  }
}

/** Bytes of `t`'s data, without joining a RowPartsTensor. */
export function tensorByteLength(t: Tensor): number {
  return t instanceof RowPartsTensor ? t.byteLength : t.data.byteLength;
}

/** Copies `t`'s bytes into `bytes` at `offset` (part by part for a RowPartsTensor, never joining it). */
export function copyTensorBytes(t: Tensor, bytes: Uint8Array, offset: number): void {
  if (t instanceof RowPartsTensor) t.copyTo(bytes, offset);
  else bytes.set(t.data, offset);
}
