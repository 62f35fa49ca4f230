/**
 * Writes a ModelConfig (complete or partial) back as config.pbtxt text: two-space indents, fields
 * in proto order, proto-default fields and the defaults normalizeModelConfig restores omitted, so
 * that parsing the text and normalizing gives the same config. Used by `nereid optimize` and config
 * overrides. It does not validate.
 */

import type { ModelConfig } from '../protocol/index.js';
import {
  type FieldSpec,
  hasPresence,
  type MessageSpec,
  MODEL_CONFIG_SPEC,
  type ValueType,
} from './config-schema.js';
import { type PartialModelConfig, zeroValue } from './normalize-model-config.js';

type Obj = Record<string, unknown>;

/** Top-level messages that normalization always creates; omitted when nothing in them differs from the default. */
const OMIT_WHEN_EMPTY: ReadonlySet<string> = new Set([
  'optimization',
  'model_transaction_policy',
  'response_cache',
]);

/** Renders `config` as protobuf text format (ending with a newline; empty string for an empty config). */
export function formatTextProto(config: ModelConfig | PartialModelConfig): string {
  const lines: string[] = [];
  writeMessage(MODEL_CONFIG_SPEC, config as Obj, '', '', lines);
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** Whether a value equals what normalization would put there anyway. */
function isNormalizedDefault(path: string, v: unknown): boolean {
  if (path === 'version_policy') {
    const vp = v as { latest?: { num_versions?: number }; all?: unknown; specific?: unknown };
    return (
      vp.all === undefined &&
      vp.specific === undefined &&
      (vp.latest === undefined || vp.latest.num_versions === 1)
    );
  }
  if (path === 'optimization.input_pinned_memory' || path === 'optimization.output_pinned_memory') {
    return (v as { enable?: boolean }).enable === true;
  }
  return false;
}

function writeMessage(spec: MessageSpec, obj: Obj, path: string, indent: string, lines: string[]): void {
  for (const field of spec.fields) {
    const v = obj[field.name];
    if (v === undefined || v === null) continue;
    const fieldPath = path === '' ? field.name : `${path}.${field.name}`;
    if (field.mapKey !== null) {
      writeMap(field, v as Obj, fieldPath, indent, lines);
    } else if (field.repeated) {
      writeList(field, v as unknown[], fieldPath, indent, lines);
    } else if (field.type.kind === 'message') {
      if (isNormalizedDefault(fieldPath, v)) continue;
      const body: string[] = [];
      writeMessage(field.type.message, v as Obj, fieldPath, `${indent}  `, body);
      if (body.length === 0 && OMIT_WHEN_EMPTY.has(fieldPath)) continue;
      pushBlock(`${indent}${field.name}`, body, indent, lines);
    } else if (hasPresence(field) || v !== zeroValue(field.type)) {
      lines.push(`${indent}${field.name}: ${scalar(field.type, v)}`);
    }
  }
}

function pushBlock(head: string, body: string[], indent: string, lines: string[]): void {
  if (body.length === 0) {
    lines.push(`${head} { }`);
    return;
  }
  lines.push(`${head} {`, ...body, `${indent}}`);
}

function writeList(field: FieldSpec, list: unknown[], path: string, indent: string, lines: string[]): void {
  if (list.length === 0) return;
  const type = field.type;
  if (type.kind !== 'message') {
    lines.push(`${indent}${field.name}: [ ${list.map((v) => scalar(type, v)).join(', ')} ]`);
    return;
  }
  lines.push(`${indent}${field.name} [`);
  list.forEach((item, i) => {
    const body: string[] = [];
    writeMessage(type.message, item as Obj, `${path}[]`, `${indent}    `, body);
    const last = i === list.length - 1;
    if (body.length === 0) {
      lines.push(`${indent}  { }${last ? '' : ','}`);
    } else {
      lines.push(`${indent}  {`, ...body, `${indent}  }${last ? '' : ','}`);
    }
  });
  lines.push(`${indent}]`);
}

function writeMap(field: FieldSpec, entries: Obj, path: string, indent: string, lines: string[]): void {
  for (const [key, value] of Object.entries(entries)) {
    const inner = `${indent}  `;
    const body = [`${inner}key: ${field.mapKey === 'string' ? quote(key) : key}`];
    if (field.type.kind === 'message') {
      const valueBody: string[] = [];
      writeMessage(field.type.message, value as Obj, `${path}[]`, `${inner}  `, valueBody);
      pushBlock(`${inner}value`, valueBody, inner, body);
    } else {
      body.push(`${inner}value: ${scalar(field.type, value)}`);
    }
    pushBlock(`${indent}${field.name}`, body, indent, lines);
  }
}

function scalar(type: ValueType, v: unknown): string {
  if (typeof v === 'string') return type.kind === 'enum' ? v : quote(v);
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'nan';
    if (v === Number.POSITIVE_INFINITY) return 'inf';
    if (v === Number.NEGATIVE_INFINITY) return '-inf';
  }
  return String(v);
}

/** A double-quoted text-format string literal; control characters as 3-digit octal escapes. */
export function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\${code.toString(8).padStart(3, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}
