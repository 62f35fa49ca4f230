/**
 * The llama.cpp backend's public API for the main thread: the backend, its instance and the
 * worker protocol types. The worker entry (llama-worker.ts) and everything that imports
 * node-llama-cpp stay out of it, so importing this never loads llama.cpp on the calling thread.
 */
export { LlamaCppBackend, type LlamaCppBackendOptions } from './llama-cpp-backend.js';
export { LlamaCppInstance, type LlamaCppInstanceOptions } from './llama-cpp-instance.js';
export type { LlamaInstanceInfo, LlamaWorkerOptions } from './llama-protocol.js';
