/**
 * Load-order support for ensembles: tells whether a model directory holds an ensemble (so the
 * server loads it after the other models) and checks, when an ensemble loads, that every
 * composing model is ready. It does not load anything.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidArg } from '../../common/index.js';
import { parseModelConfig } from '../../config/index.js';
import type { ModelConfig } from '../../protocol/index.js';
import type { ModelSource } from '../model-repository.js';
import { EnsembleGraph } from './ensemble-graph.js';

/** Whether `source` has a config.pbtxt describing an ensemble; false when it cannot be read. */
export async function isEnsembleSource(source: ModelSource): Promise<boolean> {
  const path = join(source.dir, 'config.pbtxt');
  if (!existsSync(path)) return false;
  try {
    const config = parseModelConfig(await readFile(path, 'utf8'), path, { modelName: source.name });
    return config.platform === 'ensemble' || config.ensemble_scheduling !== undefined;
  } catch {
    return false;
  }
}

/**
 * Throws unless every composing model of the ensemble `config` is ready.
 * @param isReady tells whether a model (name, version string; '' = latest) is ready
 */
export function checkComposingModels(
  config: ModelConfig,
  isReady: (name: string, version: string) => boolean,
): void {
  const missing = new EnsembleGraph(config)
    .composingModels()
    .filter((m) => !isReady(m.name, m.version))
    .map((m) => (m.version === '' ? `'${m.name}'` : `'${m.name}' version ${m.version}`));
  if (missing.length > 0) {
    throw invalidArg(
      'ERR_ENSEMBLE_DEPENDENCY',
      `ensemble '${config.name}' depends on ${missing.join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not available`,
    );
  }
}
