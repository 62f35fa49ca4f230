/**
 * Triton's config rules for the scheduling choice: dynamic batching (preferred sizes, priority
 * levels, queue policies), sequence batching (control tensors, strategies, state, no response
 * cache) and ensembles (platform, steps, and the data flow between ensemble tensors).
 * Each function appends issues with the field path and the received value; none throws.
 */
import { modelNameProblem, quoteModelName } from '../common/index.js';
import type { ModelConfig, QueuePolicy, SequenceControl } from '../protocol/index.js';
import { showValue } from './config-error.js';

/** Rules of `dynamic_batching` (core ValidateModelConfig). */
export function checkDynamicBatching(c: ModelConfig, issues: string[]): void {
  const db = c.dynamic_batching;
  if (db === undefined) return;
  checkPreferred(db.preferred_batch_size, 'dynamic_batching.preferred_batch_size', c.max_batch_size, issues);
  const levels = db.priority_levels;
  if (levels > 0) {
    if (db.default_priority_level < 1 || db.default_priority_level > levels) {
      issues.push(
        `dynamic_batching.default_priority_level must be in 1..${levels} (priority_levels): received ${db.default_priority_level}`,
      );
    }
    for (const key of Object.keys(db.priority_queue_policy)) {
      const level = Number(key);
      if (level < 1 || level > levels) {
        issues.push(
          `dynamic_batching.priority_queue_policy key must be in 1..${levels} (priority_levels): received ${key}`,
        );
      }
    }
  }
  if (db.preserve_ordering) {
    if (levels > 1) {
      issues.push(
        `dynamic_batching.priority_levels must be <= 1 when preserve_ordering is true: received ${levels}`,
      );
    }
    const policies: [string, QueuePolicy | undefined][] = [['default_queue_policy', db.default_queue_policy]];
    for (const [k, p] of Object.entries(db.priority_queue_policy))
      policies.push([`priority_queue_policy[${k}]`, p]);
    for (const [name, p] of policies) {
      if (p !== undefined && p.timeout_action === 'DELAY' && p.default_timeout_microseconds !== 0) {
        issues.push(
          `dynamic_batching.${name}.timeout_action must not be DELAY when preserve_ordering is true: received DELAY`,
        );
      }
    }
  }
}

function checkPreferred(
  sizes: readonly number[],
  path: string,
  maxBatchSize: number,
  issues: string[],
): void {
  sizes.forEach((size, i) => {
    if (size < 1) issues.push(`${path}[${i}] must be >= 1: received ${size}`);
    else if (size > maxBatchSize)
      issues.push(`${path}[${i}] must be <= max_batch_size (${maxBatchSize}): received ${size}`);
  });
}

const CORRID_TYPES = ['TYPE_UINT64', 'TYPE_INT64', 'TYPE_UINT32', 'TYPE_INT32', 'TYPE_STRING'];

/** Rules of `sequence_batching` (core ValidateModelConfig and Get*SequenceControlProperties). */
export function checkSequenceBatching(c: ModelConfig, issues: string[]): void {
  const sb = c.sequence_batching;
  if (sb === undefined) return;
  if (c.response_cache.enable) {
    issues.push('response_cache.enable must be false for a model with sequence_batching: received true');
  }
  const names = new Set<string>();
  const kinds = new Map<string, string>();
  sb.control_input.forEach((ci, i) => {
    const path = `sequence_batching.control_input[${i}]`;
    if (ci.name === '') issues.push(`${path}.name must not be empty`);
    else if (names.has(ci.name))
      issues.push(`${path}.name ${JSON.stringify(ci.name)} is used by another control input`);
    names.add(ci.name);
    ci.control.forEach((control, j) => {
      const controlPath = `${path}.control[${j}]`;
      const previous = kinds.get(control.kind);
      if (previous !== undefined)
        issues.push(`${controlPath}.kind ${control.kind} is already given by ${previous}`);
      kinds.set(control.kind, controlPath);
      checkControl(control, controlPath, issues);
    });
  });
  if (sb.oldest !== undefined) {
    checkPreferred(
      sb.oldest.preferred_batch_size,
      'sequence_batching.oldest.preferred_batch_size',
      c.max_batch_size,
      issues,
    );
  }
  const utilization = sb.direct?.minimum_slot_utilization;
  if (utilization !== undefined && (utilization < 0 || utilization > 1)) {
    issues.push(`sequence_batching.direct.minimum_slot_utilization must be in 0..1: received ${utilization}`);
  }
  sb.state.forEach((s, i) => {
    const path = `sequence_batching.state[${i}]`;
    if (s.input_name === '') issues.push(`${path}.input_name must not be empty`);
    if (s.output_name === '') issues.push(`${path}.output_name must not be empty`);
    if (s.data_type === 'TYPE_INVALID') issues.push(`${path}.data_type must be set: received TYPE_INVALID`);
    if (s.dims.length === 0) issues.push(`${path}.dims must have at least one dimension: received []`);
  });
}

function checkControl(control: SequenceControl, path: string, issues: string[]): void {
  const given = (
    [
      ['int32_false_true', control.int32_false_true],
      ['fp32_false_true', control.fp32_false_true],
      ['bool_false_true', control.bool_false_true],
    ] as const
  ).filter(([, v]) => v.length > 0);
  if (control.kind === 'CONTROL_SEQUENCE_CORRID') {
    for (const [name] of given) issues.push(`${path}.${name} must not be set for CONTROL_SEQUENCE_CORRID`);
    if (!CORRID_TYPES.includes(control.data_type)) {
      issues.push(
        `${path}.data_type must be one of ${CORRID_TYPES.join(', ')} for CONTROL_SEQUENCE_CORRID: received ${control.data_type}`,
      );
    }
    return;
  }
  if (given.length !== 1) {
    issues.push(
      `${path} must set exactly one of int32_false_true, fp32_false_true, bool_false_true for ${control.kind}: received ${given.length === 0 ? 'none' : given.map(([n]) => n).join(', ')}`,
    );
    return;
  }
  const [name, values] = given[0];
  if (values.length !== 2)
    issues.push(`${path}.${name} must have exactly 2 entries (false, true): received ${showValue(values)}`);
}

/** Ensemble rules (core ValidateEnsembleSchedulingConfig and BuildEnsembleGraph). */
export function checkEnsemble(c: ModelConfig, issues: string[]): void {
  const es = c.ensemble_scheduling;
  if (es === undefined) {
    if (c.platform === 'ensemble') issues.push('ensemble_scheduling must be set for platform "ensemble"');
    return;
  }
  if (c.platform !== 'ensemble') {
    issues.push(
      `platform must be "ensemble" for a model with ensemble_scheduling: received ${JSON.stringify(c.platform)}`,
    );
  }
  if (c.backend !== '')
    issues.push(`backend must be empty for an ensemble: received ${JSON.stringify(c.backend)}`);
  if (c.instance_group.length > 0) {
    issues.push(
      `instance_group must not be set for an ensemble: received ${c.instance_group.length} group(s)`,
    );
  }
  if (c.model_warmup.length > 0) issues.push('model_warmup must not be set for an ensemble');
  if (es.step.length === 0) {
    issues.push('ensemble_scheduling.step must list at least one step');
    return;
  }
  const producers = new Map<string, number>();
  es.step.forEach((step, i) => {
    const path = `ensemble_scheduling.step[${i}]`;
    const nameProblem = modelNameProblem(step.model_name);
    if (nameProblem !== null) {
      issues.push(
        `${path}.model_name must be a valid model name: received ${quoteModelName(step.model_name)} (${nameProblem})`,
      );
    }
    if (Object.keys(step.input_map).length === 0) issues.push(`${path}.input_map must not be empty`);
    if (Object.keys(step.output_map).length === 0) issues.push(`${path}.output_map must not be empty`);
    for (const tensor of Object.values(step.output_map)) {
      const other = producers.get(tensor);
      if (other !== undefined) {
        issues.push(
          `${path}.output_map writes ensemble tensor ${JSON.stringify(tensor)}, which step[${other}] already writes`,
        );
      }
      producers.set(tensor, i);
    }
  });
  checkDataFlow(c, issues);
}

/** Every ensemble output must be computable from the ensemble inputs, and every tensor used. */
function checkDataFlow(c: ModelConfig, issues: string[]): void {
  const steps = c.ensemble_scheduling!.step;
  const consumed = new Set(steps.flatMap((s) => Object.values(s.input_map)));
  const ready = new Set<string>();
  for (const input of c.input) {
    if (!consumed.has(input.name))
      issues.push(`ensemble input ${JSON.stringify(input.name)} is not used by any step`);
    ready.add(input.name);
  }
  const fired = new Set<number>();
  let progress = true;
  while (progress) {
    progress = false;
    steps.forEach((step, i) => {
      if (fired.has(i) || !Object.values(step.input_map).every((t) => ready.has(t))) return;
      fired.add(i);
      progress = true;
      for (const t of Object.values(step.output_map)) ready.add(t);
    });
  }
  const outputs = new Set(c.output.map((o) => o.name));
  for (const name of outputs) {
    if (!ready.has(name))
      issues.push(
        `ensemble output ${JSON.stringify(name)} is not written by any step reachable from the inputs`,
      );
  }
  steps.forEach((step, i) => {
    for (const t of Object.values(step.output_map)) {
      if (!outputs.has(t) && !consumed.has(t)) {
        issues.push(`ensemble tensor ${JSON.stringify(t)} written by step[${i}] is not used`);
      }
    }
    if (!fired.has(i)) {
      const missing = Object.values(step.input_map).filter((t) => !ready.has(t));
      issues.push(
        `ensemble_scheduling.step[${i}] can never run: its inputs ${showValue(missing)} are not connected`,
      );
    }
  });
}
