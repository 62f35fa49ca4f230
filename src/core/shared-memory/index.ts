/**
 * The system shared-memory extension: the region registry (SharedMemoryManager), one region's
 * file (SharedMemoryRegion) and the helpers frontends use to read inputs from and write outputs
 * to regions.
 */
export {
  type CudaSharedMemoryStatusJson,
  DEFAULT_MAX_SHARED_MEMORY_REGIONS,
  SharedMemoryManager,
  type SharedMemoryManagerOptions,
  type SystemSharedMemoryStatusJson,
} from './shared-memory-manager.js';
export {
  DEV_SHM_DIRECTORY,
  RESERVED_KEY_PREFIX,
  SharedMemoryRegion,
  shmFilePath,
} from './shared-memory-region.js';
export {
  checkSharedMemoryOutputs,
  resolveSharedMemoryInputs,
  type SharedMemoryInput,
  type SharedMemoryOutputTarget,
  writeSharedMemoryOutputs,
} from './shared-memory-tensors.js';
