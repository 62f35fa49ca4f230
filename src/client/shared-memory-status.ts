/**
 * What the shared-memory status calls of both clients return: one entry per registered region,
 * in Triton's HTTP JSON shape (gRPC's `regions` map is turned into the same list, sorted by name).
 */

/** A registered system shared-memory region. */
export interface SystemSharedMemoryStatus {
  /** Region name. */
  name: string;
  /** POSIX shared-memory key. */
  key: string;
  /** Offset of the region in the shared-memory object, in bytes. */
  offset: number;
  /** Size of the region in bytes. */
  byte_size: number;
}

/** A registered CUDA shared-memory region. */
export interface CudaSharedMemoryStatus {
  /** Region name. */
  name: string;
  /** CUDA device id. */
  device_id: number;
  /** Size of the region in bytes. */
  byte_size: number;
}

/** The entries of a gRPC `regions` map as a list sorted by region name. */
export function regionList<T extends { name: string }>(regions: Record<string, T> | undefined): T[] {
  if (regions === undefined) return [];
  return Object.keys(regions)
    .sort()
    .map((k) => regions[k]!);
}
