/**
 * ESM resolve hooks registered inside a JS model worker when `model.js` imports `nereid/backend`
 * but that specifier does not resolve from the model's directory (the repository is outside any
 * package that depends on nereid): the specifier is mapped to this build's api.js. Nothing else.
 */

/** Data passed to module.register(). */
interface HookData {
  /** File URL of this build's api.js. */
  apiUrl: string;
}

let apiUrl = '';

/** Receives the api.js URL from module.register(). */
export async function initialize(data: HookData): Promise<void> {
  apiUrl = data.apiUrl;
}

/** Maps `nereid/backend` to api.js; defers every other specifier. */
export async function resolve(
  specifier: string,
  context: unknown,
  nextResolve: (specifier: string, context: unknown) => Promise<unknown>,
): Promise<unknown> {
  if (specifier === 'nereid/backend' && apiUrl !== '') return { url: apiUrl, shortCircuit: true };
  return nextResolve(specifier, context);
}
