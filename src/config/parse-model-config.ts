/**
 * Maps a parsed text-format tree onto the ModelConfig schema: field names, scalar types and
 * ranges, enum names, repetition, maps and oneofs, with errors naming the full field path, the
 * received value and the line:column. Fills no defaults (normalize-model-config.ts does) and
 * checks no cross-field rules (validate-model-config.ts does).
 */

import type { ModelConfig } from '../protocol/index.js';
import { closestName, invalidConfig } from './config-error.js';
import { type FieldSpec, type MessageSpec, MODEL_CONFIG_SPEC, type ValueType } from './config-schema.js';
import {
  type NormalizeOptions,
  normalizeModelConfig,
  type PartialModelConfig,
  zeroValue,
} from './normalize-model-config.js';
import { parseTextProto, type TextMessage, type TextPosition, type TextValue } from './text-proto-parser.js';

type Obj = Record<string, unknown>;

/** Inclusive integer ranges of the proto integer types. */
export const INTEGER_RANGES: Readonly<Record<string, readonly [bigint, bigint]>> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

/**
 * Parses config.pbtxt text into the fields it sets (no defaults), checked against the schema.
 * `source` names the file in error messages (default `config.pbtxt`).
 */
export function parsePartialModelConfig(text: string, source = 'config.pbtxt'): PartialModelConfig {
  const tree = parseTextProto(text, source);
  return new TreeMapper(source).message(tree, MODEL_CONFIG_SPEC, '') as PartialModelConfig;
}

/** Parses config.pbtxt text into a complete ModelConfig (every field present, Triton's defaults applied). */
export function parseModelConfig(
  text: string,
  source = 'config.pbtxt',
  options: NormalizeOptions = {},
): ModelConfig {
  return normalizeModelConfig(parsePartialModelConfig(text, source), options);
}

function received(value: TextValue): string {
  switch (value.kind) {
    case 'string':
      return JSON.stringify(value.value);
    case 'number':
      return value.text;
    case 'identifier':
      return value.name;
    default:
      return 'a message';
  }
}

class TreeMapper {
  constructor(private readonly source: string) {}

  private fail(at: TextPosition, message: string): never {
    throw invalidConfig(`${message} (at ${this.source}:${at.line}:${at.column})`);
  }

  message(node: TextMessage, spec: MessageSpec, path: string): Obj {
    const out: Obj = {};
    const seen = new Set<string>();
    const oneofs = new Map<string, string>();
    for (const f of node.fields) {
      const fieldPath = path === '' ? f.name : `${path}.${f.name}`;
      const fieldSpec = spec.byName.get(f.name);
      if (fieldSpec === undefined) {
        const guess = closestName(f.name, spec.byName.keys());
        this.fail(
          f,
          `${fieldPath}: unknown field${guess === undefined ? '' : ` (did you mean "${guess}"?)`}`,
        );
      }
      if (fieldSpec.mapKey !== null) {
        const entries = (out[f.name] ??= {}) as Obj;
        if (f.value !== null) this.mapEntry(f.value, fieldSpec, fieldPath, entries);
        continue;
      }
      if (fieldSpec.repeated) {
        const list = (out[f.name] ??= []) as unknown[];
        if (f.value !== null) list.push(this.value(f.value, fieldSpec.type, `${fieldPath}[${list.length}]`));
        continue;
      }
      if (f.inList) this.fail(f, `${fieldPath} is not a repeated field: received a list`);
      if (seen.has(f.name))
        this.fail(f, `${fieldPath} is specified more than once (it is not a repeated field)`);
      seen.add(f.name);
      if (fieldSpec.oneof !== null) {
        const other = oneofs.get(fieldSpec.oneof);
        if (other !== undefined) {
          const otherPath = path === '' ? other : `${path}.${other}`;
          this.fail(
            f,
            `${fieldPath} and ${otherPath} are both set but belong to oneof "${fieldSpec.oneof}" (set only one)`,
          );
        }
        oneofs.set(fieldSpec.oneof, f.name);
      }
      out[f.name] = this.value(f.value!, fieldSpec.type, fieldPath);
    }
    return out;
  }

  /** One `{ key: ... value: ... }` entry of a map field. */
  private mapEntry(node: TextValue, spec: FieldSpec, path: string, entries: Obj): void {
    if (node.kind !== 'message')
      this.fail(node, `${path} entries must be { key: ... value: ... }: received ${received(node)}`);
    let keyNode: TextValue | undefined;
    let valueNode: TextValue | undefined;
    for (const e of node.fields) {
      if (e.name !== 'key' && e.name !== 'value') {
        this.fail(e, `${path}.${e.name}: unknown field (map entries have only "key" and "value")`);
      }
      if (e.value === null || e.inList)
        this.fail(e, `${path}.${e.name} must be a single value: received a list`);
      if ((e.name === 'key' ? keyNode : valueNode) !== undefined)
        this.fail(e, `${path}.${e.name} is specified more than once`);
      if (e.name === 'key') keyNode = e.value;
      else valueNode = e.value;
    }
    let key = spec.mapKey === 'string' ? '' : '0';
    if (keyNode !== undefined) {
      const k = this.value(
        keyNode,
        { kind: 'scalar', scalar: spec.mapKey === 'string' ? 'string' : 'uint64' },
        `${path}.key`,
      );
      key = String(k);
    }
    const entryPath = spec.mapKey === 'string' ? `${path}[${JSON.stringify(key)}]` : `${path}[${key}]`;
    if (valueNode === undefined) {
      entries[key] = spec.type.kind === 'message' ? {} : zeroValue(spec.type);
    } else {
      entries[key] = this.value(valueNode, spec.type, entryPath);
    }
  }

  private value(node: TextValue, type: ValueType, path: string): unknown {
    if (type.kind === 'message') {
      if (node.kind !== 'message')
        this.fail(node, `${path} must be a message { ... }: received ${received(node)}`);
      return this.message(node, type.message, path);
    }
    if (node.kind === 'message') this.fail(node, `${path} must be a single value, not a message { ... }`);
    if (type.kind === 'enum') {
      if (node.kind === 'identifier' && type.values.includes(node.name)) return node.name;
      if (
        node.kind === 'number' &&
        node.integer !== null &&
        node.integer >= 0n &&
        node.integer < BigInt(type.values.length)
      ) {
        return type.values[Number(node.integer)];
      }
      this.fail(node, `${path} must be one of ${type.values.join(', ')}: received ${received(node)}`);
    }
    switch (type.scalar) {
      case 'string':
        if (node.kind !== 'string')
          this.fail(node, `${path} must be a quoted string: received ${received(node)}`);
        return node.value;
      case 'bool':
        if (node.kind === 'identifier') {
          if (node.name === 'true' || node.name === 'True' || node.name === 't') return true;
          if (node.name === 'false' || node.name === 'False' || node.name === 'f') return false;
        }
        if (node.kind === 'number' && (node.integer === 0n || node.integer === 1n))
          return node.integer === 1n;
        return this.fail(node, `${path} must be true or false: received ${received(node)}`);
      case 'float':
      case 'double':
        if (node.kind === 'number') return node.float;
        if (node.kind === 'identifier' && /^(inf|infinity)$/i.test(node.name))
          return Number.POSITIVE_INFINITY;
        if (node.kind === 'identifier' && /^nan$/i.test(node.name)) return Number.NaN;
        return this.fail(node, `${path} must be a number: received ${received(node)}`);
      default: {
        if (node.kind !== 'number' || node.integer === null) {
          this.fail(node, `${path} must be an integer: received ${received(node)}`);
        }
        const [min, max] = INTEGER_RANGES[type.scalar];
        if (node.integer < min) this.fail(node, `${path} must be >= ${min}: received ${node.text}`);
        if (node.integer > max)
          this.fail(node, `${path} must be <= ${max} (${type.scalar}): received ${node.text}`);
        return Number(node.integer);
      }
    }
  }
}
