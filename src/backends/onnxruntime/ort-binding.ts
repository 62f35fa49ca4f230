/**
 * onnxruntime-node's private native binding (`dist/binding.js`), which NativeSession drives, and
 * the startup self-check that it is what Nereid was built against: the exact pinned version and
 * the shape NativeSession calls. The binding is not public API, so an upgrade may change it; the
 * check makes that loud, and the ONNX backend then falls back to the public InferenceSession
 * (PublicSession) with a warning instead of failing every model. Loading the binding dlopens the
 * native library (which the ONNX workers of this process load anyway) without creating ORT's
 * environment, so the main thread may run the check once, at the first ONNX load.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { binding as BindingType } from 'onnxruntime-node/dist/binding.js';

/** The onnxruntime-node version package.json pins exactly; NativeSession was checked against it. */
export const PINNED_ORT_VERSION = '1.30.0';

/** The private binding module: the native InferenceSession wrap and ORT's one-time init. */
export interface OrtBindingModule {
  /** The native addon's exports. */
  binding: typeof BindingType;
  /** Initializes ORT's environment once per thread (idempotent). */
  initOrt: () => void;
}

const require = createRequire(import.meta.url);

/**
 * What is wrong with `mod` as the binding NativeSession drives, or null when it has every function
 * NativeSession calls (InferenceSession with loadModel, run and dispose; listSupportedBackends;
 * initOrt).
 */
export function bindingShapeProblem(mod: unknown): string | null {
  const m = mod as Partial<OrtBindingModule> | null;
  if (m === null || typeof m !== 'object') return 'dist/binding.js exports nothing';
  if (typeof m.initOrt !== 'function') return 'dist/binding.js has no initOrt()';
  const b = m.binding as Partial<typeof BindingType> | undefined;
  if (b === undefined || b === null) return 'dist/binding.js has no binding';
  if (typeof b.listSupportedBackends !== 'function') return 'the binding has no listSupportedBackends()';
  if (typeof b.InferenceSession !== 'function') return 'the binding has no InferenceSession class';
  const proto = b.InferenceSession.prototype as unknown as Record<string, unknown>;
  for (const method of ['loadModel', 'run', 'dispose']) {
    if (typeof proto[method] !== 'function') return `the binding's InferenceSession has no ${method}()`;
  }
  return null;
}

/** The installed onnxruntime-node version, or null when its package.json cannot be read. */
function installedVersion(): string | null {
  try {
    const path = require.resolve('onnxruntime-node/package.json');
    return (JSON.parse(readFileSync(path, 'utf8')) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}

/** The outcome of loading and checking the binding: the module, or why it cannot be used. */
export type OrtBindingCheck = { module: OrtBindingModule; problem: null } | { module: null; problem: string };

let checked: OrtBindingCheck | null = null;

/** Loads the private binding and checks version and shape, once per thread. */
export function loadOrtBinding(): OrtBindingCheck {
  if (checked !== null) return checked;
  const version = installedVersion();
  if (version !== PINNED_ORT_VERSION) {
    checked = {
      module: null,
      problem: `onnxruntime-node is ${version ?? 'unreadable'}, Nereid's native session was checked against ${PINNED_ORT_VERSION}`,
    };
    return checked;
  }
  let mod: unknown;
  try {
    mod = require('onnxruntime-node/dist/binding.js');
  } catch (err) {
    checked = {
      module: null,
      problem: `cannot load dist/binding.js: ${err instanceof Error ? err.message : String(err)}`,
    };
    return checked;
  }
  const problem = bindingShapeProblem(mod);
  checked = problem === null ? { module: mod as OrtBindingModule, problem: null } : { module: null, problem };
  return checked;
}
