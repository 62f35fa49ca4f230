/**
 * BackendRegistry: the backends the server knows, looked up by a model config's `backend` name or
 * `platform`. createDefaultBackendRegistry() registers the built-in ONNX Runtime backend. It only
 * picks a backend; loading models and creating instances is the caller's (core's) job.
 */
import { ServerError, Status } from '../common/index.js';
import type { ModelConfig } from '../protocol/index.js';
import type { Backend } from './backend.js';
import { JsBackend, type JsBackendOptions } from './js/index.js';
import { LlamaCppBackend, type LlamaCppBackendOptions } from './llama-cpp/index.js';
import { OnnxBackend, type OnnxBackendOptions } from './onnxruntime/index.js';

/** The config fields that choose a backend. */
export type BackendSelector = Pick<ModelConfig, 'name' | 'backend' | 'platform'>;

/** Backends by name and by platform. */
export class BackendRegistry {
  private readonly byName = new Map<string, Backend>();
  private readonly byPlatform = new Map<string, Backend>();

  /** Adds a backend; throws ALREADY_EXISTS when its name or one of its platforms is taken. */
  register(backend: Backend): void {
    if (this.byName.has(backend.name)) {
      throw new ServerError(
        Status.ALREADY_EXISTS,
        'ERR_BACKEND_EXISTS',
        `Backend "${backend.name}" is already registered`,
      );
    }
    for (const platform of backend.platforms) {
      const owner = this.byPlatform.get(platform);
      if (owner !== undefined) {
        throw new ServerError(
          Status.ALREADY_EXISTS,
          'ERR_BACKEND_EXISTS',
          `Platform "${platform}" of backend "${backend.name}" is already served by backend "${owner.name}"`,
        );
      }
    }
    this.byName.set(backend.name, backend);
    for (const platform of backend.platforms) this.byPlatform.set(platform, backend);
  }

  /** The backend registered under `name`, if any. */
  get(name: string): Backend | undefined {
    return this.byName.get(name);
  }

  /** All registered backends, in registration order. */
  list(): Backend[] {
    return [...this.byName.values()];
  }

  /**
   * The backend a config selects: by `backend` when set (its `platform`, if also set, must belong
   * to it), else by `platform`. Throws INVALID_ARG naming the model and the allowed values.
   */
  resolve(config: BackendSelector): Backend {
    const model = config.name;
    if (config.backend) {
      const backend = this.byName.get(config.backend);
      if (backend === undefined) {
        throw new ServerError(
          Status.INVALID_ARG,
          'ERR_UNKNOWN_BACKEND',
          `Unknown backend "${config.backend}" for model "${model}": available ${quoteList([...this.byName.keys()])}`,
        );
      }
      if (config.platform && !backend.platforms.includes(config.platform)) {
        throw new ServerError(
          Status.INVALID_ARG,
          'ERR_BACKEND_PLATFORM_MISMATCH',
          `Platform "${config.platform}" of model "${model}" does not match backend "${backend.name}": allowed ${quoteList([...backend.platforms])}`,
        );
      }
      return backend;
    }
    if (config.platform) {
      const backend = this.byPlatform.get(config.platform);
      if (backend === undefined) {
        throw new ServerError(
          Status.INVALID_ARG,
          'ERR_UNKNOWN_PLATFORM',
          `Unknown platform "${config.platform}" for model "${model}": available ${quoteList([...this.byPlatform.keys()])}`,
        );
      }
      return backend;
    }
    throw new ServerError(
      Status.INVALID_ARG,
      'ERR_NO_BACKEND',
      `Model "${model}" sets neither backend nor platform: set backend to one of ${quoteList([...this.byName.keys()])}`,
    );
  }
}

function quoteList(values: string[]): string {
  return values.length === 0 ? '(none)' : values.map((v) => `"${v}"`).join(', ');
}

/** Options of createDefaultBackendRegistry. */
export interface DefaultBackendRegistryOptions {
  /** Options of the built-in ONNX Runtime backend. Default {}. */
  onnx?: OnnxBackendOptions;
  /** Options of the built-in JavaScript backend. Default {}. */
  javascript?: JsBackendOptions;
  /** Options of the built-in llama.cpp backend. Default {}. */
  llamaCpp?: LlamaCppBackendOptions;
}

/** A registry holding the built-in backends (`onnxruntime`, `javascript`, `llamacpp`). */
export function createDefaultBackendRegistry(options: DefaultBackendRegistryOptions = {}): BackendRegistry {
  const registry = new BackendRegistry();
  registry.register(new OnnxBackend(options.onnx));
  registry.register(new JsBackend(options.javascript));
  registry.register(new LlamaCppBackend(options.llamaCpp));
  return registry;
}
