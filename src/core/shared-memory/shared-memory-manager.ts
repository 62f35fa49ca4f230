/**
 * The shared-memory extensions of the server (Triton's SharedMemoryManager): the registry of
 * system regions by name with register / unregister / status in the protocol's shapes, the CUDA
 * calls answered as a CPU-only Triton answers them, and the `--allow-client-shm` switch. Moving
 * tensor bytes in and out of regions is in shared-memory-tensors.ts; HTTP and gRPC are frontends'.
 */
import { invalidArg, notFound, ServerError, Status, unsupported } from '../../common/index.js';
import { SharedMemoryRegion } from './shared-memory-region.js';

/** Options of a SharedMemoryManager. */
export interface SharedMemoryManagerOptions {
  /** Whether clients may register and use regions (`--allow-client-shm`); default false. */
  enabled?: boolean;
  /** Directory of POSIX shared-memory objects; default '/dev/shm'. */
  directory?: string;
  /** Most registered regions (each holds an open file descriptor); default 256. */
  maxRegions?: number;
}

/** Default most registered system regions (`--max-shared-memory-regions`). */
export const DEFAULT_MAX_SHARED_MEMORY_REGIONS = 256;

/** A system region in `GET v2/systemsharedmemory/status`. */
export interface SystemSharedMemoryStatusJson {
  /** Region name. */
  name: string;
  /** POSIX shared-memory key. */
  key: string;
  /** Offset of the region in the object, in bytes. */
  offset: number;
  /** Region size in bytes. */
  byte_size: number;
}

/** A CUDA region in `GET v2/cudasharedmemory/status` (never any: Nereid has no GPU). */
export interface CudaSharedMemoryStatusJson {
  /** Region name. */
  name: string;
  /** CUDA device. */
  device_id: number;
  /** Region size in bytes. */
  byte_size: number;
}

/** Registered shared-memory regions. */
export class SharedMemoryManager {
  /** Whether client shared memory is allowed. */
  readonly enabled: boolean;
  /** Most registered regions. */
  readonly maxRegions: number;
  private readonly directory: string | undefined;
  private readonly regions = new Map<string, SharedMemoryRegion>();

  constructor(options: SharedMemoryManagerOptions = {}) {
    this.enabled = options.enabled ?? false;
    this.directory = options.directory;
    this.maxRegions = options.maxRegions ?? DEFAULT_MAX_SHARED_MEMORY_REGIONS;
  }

  /** Number of registered regions. */
  get size(): number {
    return this.regions.size;
  }

  /** Throws UNSUPPORTED (ERR_SHARED_MEMORY_DISABLED) unless client shared memory is allowed. */
  checkEnabled(kind: 'system' | 'CUDA'): void {
    if (this.enabled) return;
    throw unsupported(
      'ERR_SHARED_MEMORY_DISABLED',
      `The ${kind} shared-memory extension is not available on this server: client shared memory is disabled; start the server with --allow-client-shm=true`,
    );
  }

  /**
   * Registers system region `name` over [offset, offset + byteSize) of the object `key`.
   * @throws ServerError ALREADY_EXISTS for a taken name; INVALID_ARG for bad keys and bounds; INTERNAL when the object cannot be opened
   */
  registerSystem(name: string, key: string, offsetBytes: number, byteSize: number): void {
    this.checkEnabled('system');
    if (name === '') {
      throw invalidArg(
        'ERR_SHM_BAD_REQUEST',
        "'region name' is necessary to register system shared memory region",
      );
    }
    for (const [label, value] of [
      ['offset', offsetBytes],
      ['byte_size', byteSize],
    ] as const) {
      if (!Number.isSafeInteger(value) || value < 0) {
        throw invalidArg(
          'ERR_SHM_BAD_REQUEST',
          `Shared memory register request for '${name}' has an invalid '${label}': expected a non-negative integer, received ${String(value)}`,
        );
      }
    }
    if (this.regions.has(name)) {
      throw new ServerError(
        Status.ALREADY_EXISTS,
        'ERR_SHM_ALREADY_REGISTERED',
        `shared memory region '${name}' already in manager`,
      );
    }
    if (this.regions.size >= this.maxRegions) {
      throw new ServerError(
        Status.UNAVAILABLE,
        'ERR_SHM_TOO_MANY_REGIONS',
        `Cannot register shared memory region '${name}': ${this.maxRegions} regions are registered already (--max-shared-memory-regions); unregister one first`,
      );
    }
    this.regions.set(name, SharedMemoryRegion.open(name, key, offsetBytes, byteSize, this.directory));
  }

  /** Unregisters system region `name`, or every system region when `name` is ''. Unknown names succeed. */
  unregisterSystem(name = ''): void {
    this.checkEnabled('system');
    if (name === '') {
      this.close();
      return;
    }
    const region = this.regions.get(name);
    if (region === undefined) return;
    this.regions.delete(name);
    region.close();
  }

  /** Status of region `name`, or of every system region (sorted by name) when `name` is ''. */
  systemStatus(name = ''): SystemSharedMemoryStatusJson[] {
    this.checkEnabled('system');
    if (name === '') {
      return [...this.regions.keys()].sort().map((n) => statusOf(this.regions.get(n)!));
    }
    const region = this.regions.get(name);
    if (region === undefined) {
      throw notFound('ERR_SHM_UNKNOWN_REGION', `Unable to find system shared memory region: '${name}'`);
    }
    return [statusOf(region)];
  }

  /** CUDA regions cannot exist here: always INVALID_ARG, as a Triton built without GPUs answers. */
  registerCuda(name: string): never {
    this.checkEnabled('CUDA');
    if (name === '') {
      throw invalidArg(
        'ERR_SHM_BAD_REQUEST',
        "'region name' is necessary to register cuda shared memory region",
      );
    }
    throw invalidArg(
      'ERR_SHM_CUDA_UNSUPPORTED',
      `failed to register CUDA shared memory region: '${name}', GPUs not supported`,
    );
  }

  /** Unregisters CUDA region `name` (or all): there are none, so this succeeds and changes nothing. */
  unregisterCuda(_name = ''): void {
    this.checkEnabled('CUDA');
  }

  /** CUDA region status: empty for all; NOT_FOUND for a name (Triton's texts). */
  cudaStatus(name = ''): CudaSharedMemoryStatusJson[] {
    this.checkEnabled('CUDA');
    if (name === '') return [];
    if (this.regions.has(name)) {
      throw notFound(
        'ERR_SHM_UNKNOWN_REGION',
        `The region named '${name}' is registered as system shared memory, not CUDA shared memory`,
      );
    }
    throw notFound('ERR_SHM_UNKNOWN_REGION', `Unable to find cuda shared memory region: '${name}'`);
  }

  /**
   * The region `name` for a tensor at region offset `offset` of `byteSize` bytes, with Triton's
   * checks. Throws NOT_FOUND for unknown regions and INVALID_ARG when the tensor is out of bounds.
   */
  regionFor(name: string, offset: number, byteSize: number): SharedMemoryRegion {
    const region = this.regions.get(name);
    if (region === undefined) {
      throw notFound('ERR_SHM_UNKNOWN_REGION', `Unable to find shared memory region: '${name}'`);
    }
    if (offset >= region.byteSize) {
      throw invalidArg(
        'ERR_SHM_BOUNDS',
        `Invalid offset for shared memory region: '${name}': offset ${offset} is not below its byte_size ${region.byteSize}`,
      );
    }
    if (offset + byteSize > region.byteSize) {
      throw invalidArg(
        'ERR_SHM_BOUNDS',
        `Invalid offset + byte size for shared memory region: '${name}': offset ${offset} + byte_size ${byteSize} passes its byte_size ${region.byteSize}`,
      );
    }
    return region;
  }

  /** Closes and forgets every region (server shutdown, unregister-all). */
  close(): void {
    for (const region of this.regions.values()) region.close();
    this.regions.clear();
  }
}

function statusOf(region: SharedMemoryRegion): SystemSharedMemoryStatusJson {
  return { name: region.name, key: region.key, offset: region.offsetBytes, byte_size: region.byteSize };
}
