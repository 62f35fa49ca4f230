/**
 * A POSIX shared-memory object for the client side of the system shared-memory extension,
 * created or opened through its file under /dev/shm (what `shm_open` uses on Linux), so tests and
 * users can put input tensors where the server reads them and read back outputs it wrote. It is
 * Triton's `tritonclient.utils.shared_memory` in Node terms; registering it with the server is
 * the client's registerSystemSharedMemory().
 */
import { closeSync, constants, ftruncateSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { invalidInput } from './inference-server-error.js';

/** Directory of POSIX shared-memory objects on Linux. */
const DEV_SHM = '/dev/shm';

/** Bytes of a tensor to copy into a region: wire bytes, or anything with them (an InferInput). */
export type RegionBytes = Uint8Array | { readonly data: Uint8Array };

/** A shared-memory object of a fixed size, open read-write. */
export class SharedMemoryRegionFile {
  /** POSIX key as registered with the server (`/name`). */
  readonly key: string;
  /** Size of the object in bytes. */
  readonly byteSize: number;
  /** The file under /dev/shm. */
  readonly path: string;
  private fd: number;

  private constructor(key: string, byteSize: number, path: string, fd: number) {
    this.key = key;
    this.byteSize = byteSize;
    this.path = path;
    this.fd = fd;
  }

  /**
   * Creates (or opens and resizes) the object `key` with `byteSize` zeroed-on-growth bytes, like
   * Triton's create_shared_memory_region. `directory` exists for tests; default '/dev/shm'.
   */
  static create(key: string, byteSize: number, directory = DEV_SHM): SharedMemoryRegionFile {
    if (!Number.isSafeInteger(byteSize) || byteSize < 0) {
      throw invalidInput(`Shared memory byteSize must be a non-negative integer: received ${byteSize}`);
    }
    const path = pathOf(key, directory);
    const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    ftruncateSync(fd, byteSize);
    return new SharedMemoryRegionFile(key.startsWith('/') ? key : `/${key}`, byteSize, path, fd);
  }

  /** Copies tensors one after another starting at `offsetBytes` (default 0); returns the end offset. */
  write(tensors: RegionBytes | readonly RegionBytes[], offsetBytes = 0): number {
    const list = Array.isArray(tensors) ? (tensors as readonly RegionBytes[]) : [tensors as RegionBytes];
    let position = offsetBytes;
    for (const t of list) {
      const data = t instanceof Uint8Array ? t : t.data;
      if (position + data.length > this.byteSize) {
        throw invalidInput(
          `Cannot write ${data.length} bytes at offset ${position} of shared memory '${this.key}': it has ${this.byteSize} bytes`,
        );
      }
      let done = 0;
      while (done < data.length) done += writeSync(this.fd, data, done, data.length - done, position + done);
      position += data.length;
    }
    return position;
  }

  /** Reads `byteSize` bytes at `offsetBytes` (a copy). */
  read(offsetBytes: number, byteSize: number): Uint8Array {
    if (offsetBytes + byteSize > this.byteSize) {
      throw invalidInput(
        `Cannot read ${byteSize} bytes at offset ${offsetBytes} of shared memory '${this.key}': it has ${this.byteSize} bytes`,
      );
    }
    const out = new Uint8Array(byteSize);
    let done = 0;
    while (done < byteSize) {
      const n = readSync(this.fd, out, done, byteSize - done, offsetBytes + done);
      if (n === 0) break;
      done += n;
    }
    return out;
  }

  /** Reads `count` BYTES elements (4-byte LE length + bytes each) starting at `offsetBytes`, as strings. */
  readStrings(offsetBytes: number, count: number): string[] {
    const out: string[] = new Array(count);
    let position = offsetBytes;
    for (let i = 0; i < count; i++) {
      const length = Buffer.from(this.read(position, 4)).readUInt32LE(0);
      out[i] = Buffer.from(this.read(position + 4, length)).toString('utf8');
      position += 4 + length;
    }
    return out;
  }

  /** Closes the file and removes the object (Triton's destroy_shared_memory_region). */
  destroy(): void {
    this.close();
    try {
      unlinkSync(this.path);
    } catch {
      // Already removed.
    }
  }

  /** Closes the file, leaving the object in place. */
  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }
}

function pathOf(key: string, directory: string): string {
  const bare = key.startsWith('/') ? key.slice(1) : key;
  if (bare === '' || bare === '.' || bare === '..' || bare.includes('/')) {
    throw invalidInput(`Invalid shared memory key '${key}': expected a name such as '/input_data'`);
  }
  return join(directory, bare);
}
