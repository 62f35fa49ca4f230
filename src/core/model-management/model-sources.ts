/**
 * Small repository look-ups the model manager needs outside a full scan: the directory of one
 * model by name (refusing names that are not plain directory names), the model names present
 * now (for the index), and the models an ensemble config calls (to load them first).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { internal, invalidArg, isValidModelName } from '../../common/index.js';
import {
  isEnsemble,
  normalizeModelConfig,
  type PartialModelConfig,
  parseModelConfig,
} from '../../config/index.js';
import type { ModelConfig } from '../../protocol/index.js';
import type { ModelSource } from '../model-repository.js';

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Finds model `name` in the repository roots.
 * @throws ServerError INTERNAL with Triton's "failed to poll" text when absent; INVALID_ARG when in several roots
 */
export function findModelSource(roots: readonly string[], name: string): ModelSource {
  const found: ModelSource[] = [];
  if (isValidModelName(name)) {
    for (const root of roots) {
      const repository = resolve(root);
      const dir = join(repository, name);
      if (isDirectory(dir)) found.push({ name, repository, dir });
    }
  }
  if (found.length === 0) {
    throw internal(
      'ERR_MODEL_NOT_IN_REPOSITORY',
      `failed to load '${name}', failed to poll from model repository`,
    );
  }
  if (found.length > 1) {
    throw invalidArg(
      'ERR_MODEL_LOAD',
      `failed to load '${name}': model appears in multiple repositories: ${found.map((s) => s.repository).join(', ')}`,
    );
  }
  return found[0]!;
}

/** The model directory names in the roots now (hidden and invalid names skipped; unreadable roots ignored). */
export function listModelNames(roots: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const root of roots) {
    let entries: string[];
    try {
      entries = readdirSync(root);
    } catch {
      continue;
    }
    for (const name of entries) {
      if (isValidModelName(name) && isDirectory(join(root, name))) names.add(name);
    }
  }
  return names;
}

/**
 * The models an ensemble calls, read from the override or `config.pbtxt`; empty for other
 * models and for configs that cannot be read (the load itself reports those).
 */
export async function composingModelNames(
  source: ModelSource,
  override: PartialModelConfig | null,
): Promise<string[]> {
  let config: ModelConfig;
  try {
    if (override !== null) {
      config = normalizeModelConfig(override, { modelName: source.name });
    } else {
      const path = join(source.dir, 'config.pbtxt');
      if (!existsSync(path)) return [];
      config = parseModelConfig(await readFile(path, 'utf8'), path, { modelName: source.name });
    }
  } catch {
    return [];
  }
  if (!isEnsemble(config)) return [];
  const names = new Set<string>();
  for (const step of config.ensemble_scheduling?.step ?? []) {
    if (step.model_name !== '' && step.model_name !== source.name) names.add(step.model_name);
  }
  return [...names];
}
