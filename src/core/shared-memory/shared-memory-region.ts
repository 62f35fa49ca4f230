/**
 * One registered system shared-memory region: the POSIX shared-memory object named by its key,
 * reached through its file under /dev/shm (no native mmap), and the window [offset, offset +
 * byteSize) of it the client registered. It holds one open file descriptor for its lifetime and
 * reads or writes bytes at positions inside that window; bounds of a tensor are the manager's check.
 *
 *   /dev/shm/<key>:  [ ...... | region: offsetBytes .. offsetBytes + byteSize | ...... ]
 *                              ^ tensor at region offset o = file position offsetBytes + o
 */
import { closeSync, constants, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { internal, invalidArg, ServerError, Status } from '../../common/index.js';

/** Directory where Linux exposes POSIX shared-memory objects. */
export const DEV_SHM_DIRECTORY = '/dev/shm';

/** Key prefix Triton reserves for its Python backend's own regions. */
export const RESERVED_KEY_PREFIX = 'triton_python_backend_shm_region_';

/**
 * The file of POSIX shared-memory object `key` (`/name` or `name`) under `directory`. Throws
 * INVALID_ARG (ERR_SHM_BAD_KEY) for keys that are not one path segment or use the reserved prefix.
 */
export function shmFilePath(key: string, directory: string = DEV_SHM_DIRECTORY): string {
  const bare = key.startsWith('/') ? key.slice(1) : key;
  if (bare === '' || bare === '.' || bare === '..' || bare.includes('/') || bare.includes('\0')) {
    throw invalidArg(
      'ERR_SHM_BAD_KEY',
      `Invalid shared memory key '${key}': expected a POSIX shared-memory name such as '/input_data' (one name, no other '/')`,
    );
  }
  if (bare.startsWith(RESERVED_KEY_PREFIX)) {
    throw invalidArg(
      'ERR_SHM_BAD_KEY',
      `Invalid shared memory key '${key}': keys starting with '${RESERVED_KEY_PREFIX}' are reserved for internal use`,
    );
  }
  return join(directory, bare);
}

/** A registered region with its open file. */
export class SharedMemoryRegion {
  /** Region name the client registered. */
  readonly name: string;
  /** POSIX shared-memory key (`/name`). */
  readonly key: string;
  /** Start of the region inside the shared-memory object, in bytes. */
  readonly offsetBytes: number;
  /** Size of the region in bytes. */
  readonly byteSize: number;
  /** The file the region lives in. */
  readonly path: string;
  private fd: number;

  private constructor(
    name: string,
    key: string,
    offsetBytes: number,
    byteSize: number,
    path: string,
    fd: number,
  ) {
    this.name = name;
    this.key = key;
    this.offsetBytes = offsetBytes;
    this.byteSize = byteSize;
    this.path = path;
    this.fd = fd;
  }

  /**
   * Opens the object of `key` read-write (never creating it, never following a symlink) and checks
   * that the window fits in it. Throws INTERNAL (ERR_SHM_OPEN) when it cannot be opened and
   * INVALID_ARG (ERR_SHM_REGISTER_BOUNDS) when offset + byte_size passes its end.
   */
  static open(
    name: string,
    key: string,
    offsetBytes: number,
    byteSize: number,
    directory?: string,
  ): SharedMemoryRegion {
    const path = shmFilePath(key, directory);
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDWR | constants.O_NOFOLLOW);
    } catch (err) {
      throw internal(
        'ERR_SHM_OPEN',
        `Unable to open shared memory region: '${key}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message} on ${path}`,
        err,
      );
    }
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile()) {
        throw internal(
          'ERR_SHM_OPEN',
          `Unable to open shared memory region: '${key}': ${path} is not a regular file`,
        );
      }
      if (offsetBytes + byteSize > stat.size) {
        throw invalidArg(
          'ERR_SHM_REGISTER_BOUNDS',
          `failed to register shared memory region '${name}': invalid args: offset ${offsetBytes} + byte_size ${byteSize} passes the end of '${key}' (${stat.size} bytes)`,
        );
      }
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    return new SharedMemoryRegion(name, key, offsetBytes, byteSize, path, fd);
  }

  /** Copies `byteSize` bytes at region offset `offset` into a new array (its own ArrayBuffer). */
  read(offset: number, byteSize: number): Uint8Array {
    const out = new Uint8Array(byteSize);
    const position = this.offsetBytes + offset;
    let done = 0;
    while (done < byteSize) {
      const n = readSync(this.fd, out, done, byteSize - done, position + done);
      if (n === 0) throw this.shrunk(position + byteSize);
      done += n;
    }
    return out;
  }

  /** Writes `data` at region offset `offset`. */
  write(offset: number, data: Uint8Array): void {
    const position = this.offsetBytes + offset;
    const size = fstatSync(this.fd).size;
    if (position + data.length > size) throw this.shrunk(position + data.length);
    let done = 0;
    while (done < data.length) done += writeSync(this.fd, data, done, data.length - done, position + done);
  }

  /** Closes the file; the region is unusable afterwards. */
  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }

  private shrunk(needed: number): ServerError {
    return new ServerError(
      Status.INTERNAL,
      'ERR_SHM_IO',
      `Shared memory region '${this.name}' no longer covers byte ${needed} of '${this.key}': the object was truncated after registration`,
    );
  }
}
