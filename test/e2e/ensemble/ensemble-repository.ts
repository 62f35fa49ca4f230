/**
 * A temporary model repository for the ensemble e2e tests: small JavaScript composing models
 * (through the JS backend tests' writer), links to bundled example models, and ensemble
 * directories (a config.pbtxt and an empty version directory each).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type JsModelSource,
  jsConfig,
  type TempRepository,
  tensorEntry,
  writeJsRepository,
} from '../js-backend/js-repository.js';

export { jsConfig, type TempRepository, tensorEntry };

/** Writes JS models, example links and ensembles (name → config.pbtxt text) into a temp repository. */
export function writeEnsembleRepository(
  models: Record<string, JsModelSource>,
  examples: string[],
  ensembles: Record<string, string>,
): TempRepository {
  const repo = writeJsRepository(models, examples);
  for (const [name, config] of Object.entries(ensembles)) {
    mkdirSync(join(repo.dir, name, '1'), { recursive: true });
    writeFileSync(join(repo.dir, name, 'config.pbtxt'), config);
  }
  return repo;
}

/** One ensemble step: model, input_map and output_map (model tensor → ensemble tensor). */
export interface StepSpec {
  /** Composing model name. */
  model: string;
  /** model input → ensemble tensor. */
  inputs: Record<string, string>;
  /** model output → ensemble tensor. */
  outputs: Record<string, string>;
}

/** An ensemble config.pbtxt: `io` is its input/output block text. */
export function ensembleConfig(
  name: string,
  maxBatchSize: number,
  io: string,
  steps: StepSpec[],
  extra = '',
  schedulingExtra = '',
): string {
  const map = (key: string, m: Record<string, string>) =>
    Object.entries(m)
      .map(([k, v]) => `${key} { key: "${k}" value: "${v}" }`)
      .join(' ');
  const stepText = steps
    .map(
      (s) =>
        `{ model_name: "${s.model}" model_version: -1 ${map('input_map', s.inputs)} ${map('output_map', s.outputs)} }`,
    )
    .join(',\n    ');
  return `name: "${name}"\nplatform: "ensemble"\nmax_batch_size: ${maxBatchSize}\n${io}\n${extra}\nensemble_scheduling {\n  ${schedulingExtra}\n  step [\n    ${stepText}\n  ]\n}\n`;
}
