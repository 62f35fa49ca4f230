/**
 * Schema-level checks of a ModelConfig object (typically from JSON, where the text parser's
 * checks did not run): JS value types, integer ranges, enum names, at most one member per oneof,
 * and every non-optional field present. Cross-field rules live in validate-model-config.ts.
 */
import { showValue } from './config-error.js';
import {
  type FieldSpec,
  hasPresence,
  type MessageSpec,
  MODEL_CONFIG_SPEC,
  type ValueType,
} from './config-schema.js';

type Obj = Record<string, unknown>;

const RANGES: Readonly<Record<string, readonly [number, number]>> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  int64: [-(2 ** 63), 2 ** 63],
  uint64: [0, 2 ** 64],
};

/** Appends one issue per schema violation of `config` (a normalized ModelConfig) to `issues`. */
export function checkConfigTypes(config: unknown, issues: string[]): void {
  checkMessage(MODEL_CONFIG_SPEC, config, '', issues);
}

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

function checkMessage(spec: MessageSpec, value: unknown, path: string, issues: string[]): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    issues.push(`${path === '' ? 'The config' : path} must be an object: received ${showValue(value)}`);
    return;
  }
  const obj = value as Obj;
  for (const key of Object.keys(obj)) {
    if (!spec.byName.has(key) && obj[key] !== undefined) issues.push(`${join(path, key)}: unknown field`);
  }
  const oneofs = new Map<string, string[]>();
  for (const field of spec.fields) {
    const v = obj[field.name];
    const fieldPath = join(path, field.name);
    if (v === undefined) {
      if (!hasPresence(field))
        issues.push(`${fieldPath} is missing (normalize the config before validating it)`);
      continue;
    }
    if (field.oneof !== null) {
      const members = oneofs.get(field.oneof) ?? [];
      members.push(fieldPath);
      oneofs.set(field.oneof, members);
    }
    checkField(field, v, fieldPath, issues);
  }
  for (const [group, members] of oneofs) {
    if (members.length > 1)
      issues.push(`${members.join(' and ')} are both set but belong to oneof "${group}" (set only one)`);
  }
}

function checkField(field: FieldSpec, v: unknown, path: string, issues: string[]): void {
  if (field.mapKey !== null) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      issues.push(`${path} must be an object: received ${showValue(v)}`);
      return;
    }
    for (const [k, item] of Object.entries(v as Obj)) {
      if (field.mapKey === 'uint64' && !/^[0-9]+$/.test(k)) {
        issues.push(`${path} keys must be non-negative integers: received ${JSON.stringify(k)}`);
      }
      checkValue(field.type, item, `${path}[${JSON.stringify(k)}]`, issues);
    }
    return;
  }
  if (field.repeated) {
    if (!Array.isArray(v)) {
      issues.push(`${path} must be a list: received ${showValue(v)}`);
      return;
    }
    for (let i = 0; i < v.length; i++) checkValue(field.type, v[i], `${path}[${i}]`, issues);
    return;
  }
  checkValue(field.type, v, path, issues);
}

function checkValue(type: ValueType, v: unknown, path: string, issues: string[]): void {
  if (type.kind === 'message') {
    checkMessage(type.message, v, path, issues);
    return;
  }
  if (type.kind === 'enum') {
    if (typeof v !== 'string' || !type.values.includes(v)) {
      issues.push(`${path} must be one of ${type.values.join(', ')}: received ${showValue(v)}`);
    }
    return;
  }
  switch (type.scalar) {
    case 'string':
      if (typeof v !== 'string') issues.push(`${path} must be a string: received ${showValue(v)}`);
      return;
    case 'bool':
      if (typeof v !== 'boolean') issues.push(`${path} must be true or false: received ${showValue(v)}`);
      return;
    case 'float':
    case 'double':
      if (typeof v !== 'number') issues.push(`${path} must be a number: received ${showValue(v)}`);
      return;
    default: {
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        issues.push(`${path} must be an integer: received ${showValue(v)}`);
        return;
      }
      const [min, max] = RANGES[type.scalar];
      if (v < min) issues.push(`${path} must be >= ${min}: received ${v}`);
      else if (v > max) issues.push(`${path} must be <= ${max} (${type.scalar}): received ${v}`);
    }
  }
}
