/**
 * node-llama-cpp's `getLlama` as Nereid must always call it: the prebuilt binary from the npm
 * registry or nothing, never a build or a download (a fresh machine reaches only the registry),
 * no progress output, and an explicit thread count (llama.cpp's default of one per core stalled
 * generation on a loaded 2-core machine; ADR 0013). The server's worker, the LLM tests and the
 * LLM benchmark's in-process limit all load llama.cpp through it.
 */
import type { Llama, LlamaLogLevel } from 'node-llama-cpp';

/** What varies between the callers. */
export interface OfflineLlamaOptions {
  /** `'cuda'` for the prebuilt CUDA binary, `false` for the CPU one. */
  readonly gpu: 'cuda' | false;
  /** llama.cpp threads at most. */
  readonly threads: number;
  /** Messages below this level are not passed to `logger`. Default: error. */
  readonly logLevel?: 'error' | 'warn';
  /** Receives llama.cpp's log lines (level as node-llama-cpp names it). Default: drops them. */
  readonly logger?: (level: string, message: string) => void;
}

/** Loads llama.cpp's prebuilt binary (rejects rather than build or download one). */
export async function getOfflineLlama(options: OfflineLlamaOptions): Promise<Llama> {
  // Imported when first needed: the package is heavy and only LLM models use it.
  const { getLlama } = await import('node-llama-cpp');
  return getLlama({
    gpu: options.gpu,
    build: 'never',
    skipDownload: true,
    usePrebuiltBinaries: true,
    progressLogs: false,
    logLevel: (options.logLevel ?? 'error') as LlamaLogLevel,
    logger: options.logger ?? (() => {}),
    maxThreads: options.threads,
  });
}
