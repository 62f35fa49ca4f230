/**
 * Renders deploy/helm/nereid without helm (not in Debian, not on npm): a strict renderer of the
 * small part of Helm's template language the chart is written in (docs/adr/0012). It supports
 * value lookups (`.Values.a.b`, `.Release.Name`, `.Chart.AppVersion`, `.`), pipelines,
 * `if` / `else if` / `else` / `end`, `define` / `include`, comments, the `{{-` / `-}}` trim
 * markers and the functions add, and, default, eq, include, indent, ne, nindent, not, or, quote,
 * required and toYaml, with Go's and Sprig's meaning. Anything else (range, with, variables,
 * other functions), a value the chart's values.yaml does not declare, and a number Helm would
 * print in exponent form are errors, so the chart cannot drift out of what this renders the same
 * way as helm. It does not validate the output: chart-objects.test.ts does.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

/** A template action's parsed form. */
type Node =
  | { kind: 'text'; text: string }
  | { kind: 'output'; pipeline: Command[] }
  | { kind: 'if'; branches: { condition: Command[]; body: Node[] }[]; otherwise: Node[] };

/** One command of a pipeline: a function call, or one operand. */
type Command = { fn: string | null; args: Operand[] };

type Operand =
  | { kind: 'field'; path: string[] }
  | { kind: 'literal'; value: unknown }
  | { kind: 'pipeline'; pipeline: Command[] };

/** What a template sees as `.` at the top. */
export interface RenderContext {
  Values: Record<string, unknown>;
  Release: { Name: string; Namespace: string; Service: string };
  Chart: { Name: string; Version: string; AppVersion: string };
}

/** A chart read from disk. */
export interface Chart {
  /** Chart.yaml. */
  readonly meta: { name: string; version: string; appVersion: string };
  /** values.yaml. */
  readonly values: Record<string, unknown>;
  /** templates/ file name to source. */
  readonly templates: ReadonlyMap<string, string>;
}

/** One rendered template file. */
export interface RenderedFile {
  /** `templates/deployment.yaml`, ... */
  readonly source: string;
  /** The rendered text. */
  readonly text: string;
}

/** Reads `dir` (Chart.yaml, values.yaml, templates/*). */
export function loadChart(dir: string): Chart {
  const meta = parseYaml(readFileSync(join(dir, 'Chart.yaml'), 'utf8')) as Chart['meta'];
  const values = parseYaml(readFileSync(join(dir, 'values.yaml'), 'utf8')) as Record<string, unknown>;
  const templates = new Map<string, string>();
  for (const file of readdirSync(join(dir, 'templates')).sort()) {
    templates.set(file, readFileSync(join(dir, 'templates', file), 'utf8'));
  }
  return { meta, values, templates };
}

/** Helm's value coalescing: maps merge key by key, anything else in `over` replaces. */
export function mergeValues(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isMap(current) && isMap(value) ? mergeValues(current, value) : value;
  }
  return out;
}

/**
 * Renders every template of `chart` as `helm template NAME` would: helpers (`_*.tpl`) only
 * provide definitions, NOTES.txt is returned apart from the manifests.
 */
export function renderChart(
  chart: Chart,
  options: { releaseName?: string; namespace?: string; values?: Record<string, unknown> } = {},
): { manifests: RenderedFile[]; notes: string } {
  const context: RenderContext = {
    Values: mergeValues(chart.values, options.values ?? {}),
    Release: {
      Name: options.releaseName ?? 'nereid',
      Namespace: options.namespace ?? 'default',
      Service: 'Helm',
    },
    Chart: { Name: chart.meta.name, Version: chart.meta.version, AppVersion: chart.meta.appVersion },
  };
  const engine = new TemplateEngine();
  const parsed = new Map<string, Node[]>();
  for (const [file, source] of chart.templates) parsed.set(file, engine.parse(source, file));
  const manifests: RenderedFile[] = [];
  let notes = '';
  for (const [file, nodes] of parsed) {
    if (file.startsWith('_')) continue;
    const text = engine.render(nodes, context, file);
    if (file === 'NOTES.txt') notes = text;
    else manifests.push({ source: `templates/${file}`, text });
  }
  return { manifests, notes };
}

/** Parses the YAML documents of rendered manifests (empty documents dropped), keys unique. */
export function manifestObjects(files: readonly RenderedFile[]): Record<string, any>[] {
  const objects: Record<string, any>[] = [];
  for (const file of files) {
    for (const doc of file.text.split(/^---[ \t]*$/m)) {
      const value: unknown = parseYaml(doc, { uniqueKeys: true, strict: true });
      if (value === null || value === undefined) continue;
      if (!isMap(value)) throw new Error(`${file.source}: a document is not a mapping`);
      objects.push(value);
    }
  }
  return objects;
}

/** Parses and renders templates; holds the `define`d ones. */
export class TemplateEngine {
  private readonly defines = new Map<string, Node[]>();

  /** Parses `source`; its `define` blocks are registered, the rest returned. */
  parse(source: string, file: string): Node[] {
    const tokens = splitActions(source, file);
    const stack: { nodes: Node[]; open: Extract<Node, { kind: 'if' }> | { define: string } | null }[] = [
      { nodes: [], open: null },
    ];
    const top = () => stack[stack.length - 1]!;
    for (const token of tokens) {
      if (token.kind === 'text') {
        if (token.text !== '') top().nodes.push({ kind: 'text', text: token.text });
        continue;
      }
      const action = token.action;
      const where = `${file}: {{ ${action} }}`;
      if (action.startsWith('/*')) {
        if (!action.endsWith('*/')) throw new Error(`${where}: unterminated comment`);
        continue;
      }
      const keyword = /^(if|else if|else|end|define)\b\s*(.*)$/s.exec(action);
      if (keyword === null) {
        if (/^(range|with|template|block)\b|\$\w*\s*:?=/.test(action)) {
          throw new Error(
            `${where}: not in the chart's template subset (see test/unit/deploy/helm-subset.ts)`,
          );
        }
        top().nodes.push({ kind: 'output', pipeline: parsePipeline(action, where) });
        continue;
      }
      const [, word, rest] = keyword;
      if (word === 'if') {
        const node: Extract<Node, { kind: 'if' }> = { kind: 'if', branches: [], otherwise: [] };
        node.branches.push({ condition: parsePipeline(rest!, where), body: [] });
        top().nodes.push(node);
        stack.push({ nodes: node.branches[0]!.body, open: node });
      } else if (word === 'define') {
        const name = /^"([^"]+)"$/.exec(rest!.trim());
        if (name === null || stack.length !== 1)
          throw new Error(`${where}: define takes a quoted name, at the top`);
        const body: Node[] = [];
        this.defines.set(name[1]!, body);
        stack.push({ nodes: body, open: { define: name[1]! } });
      } else if (word === 'else if' || word === 'else') {
        const frame = stack.pop();
        const open = frame?.open;
        if (open == null || !('kind' in open)) throw new Error(`${where}: ${word} outside an if`);
        if (word === 'else if') {
          open.branches.push({ condition: parsePipeline(rest!, where), body: [] });
          stack.push({ nodes: open.branches.at(-1)!.body, open });
        } else {
          stack.push({ nodes: open.otherwise, open: { define: '' } });
        }
      } else {
        if (stack.length === 1) throw new Error(`${where}: end without an open block`);
        stack.pop();
      }
    }
    if (stack.length !== 1) throw new Error(`${file}: a block is not closed with {{ end }}`);
    return stack[0]!.nodes;
  }

  /** Renders `nodes` with `dot` as `.`. */
  render(nodes: readonly Node[], dot: unknown, file: string): string {
    let out = '';
    for (const node of nodes) {
      if (node.kind === 'text') out += node.text;
      else if (node.kind === 'output') out += printValue(this.evaluate(node.pipeline, dot, file), file);
      else {
        const branch = node.branches.find((b) => truthy(this.evaluate(b.condition, dot, file)));
        out += this.render(branch?.body ?? node.otherwise, dot, file);
      }
    }
    return out;
  }

  private evaluate(pipeline: readonly Command[], dot: unknown, file: string): unknown {
    let value: unknown;
    pipeline.forEach((command, i) => {
      const args = command.args.map((a) => this.operand(a, dot, file));
      if (i > 0) args.push(value);
      if (command.fn === null) {
        if (args.length !== 1) throw new Error(`${file}: a pipeline step without a function takes one value`);
        value = args[0];
      } else {
        value = this.call(command.fn, args, file);
      }
    });
    return value;
  }

  private operand(operand: Operand, dot: unknown, file: string): unknown {
    if (operand.kind === 'literal') return operand.value;
    if (operand.kind === 'pipeline') return this.evaluate(operand.pipeline, dot, file);
    let value = dot;
    for (const key of operand.path) {
      if (!isMap(value) || !(key in value)) {
        throw new Error(
          `${file}: .${operand.path.join('.')} is not declared (values.yaml declares every value)`,
        );
      }
      value = value[key];
    }
    return value;
  }

  private call(fn: string, args: unknown[], file: string): unknown {
    const arity = (n: number) => {
      if (args.length !== n)
        throw new Error(`${file}: ${fn} takes ${n} argument(s): received ${args.length}`);
    };
    switch (fn) {
      case 'quote':
        return args.map((a) => JSON.stringify(a === null || a === undefined ? '' : String(a))).join(' ');
      case 'toYaml':
        arity(1);
        return stringifyYaml(args[0], { sortMapEntries: true, lineWidth: 0 }).replace(/\n$/, '');
      case 'indent':
      case 'nindent': {
        arity(2);
        const pad = ' '.repeat(Number(args[0]));
        const text = `${pad}${String(args[1]).replaceAll('\n', `\n${pad}`)}`;
        return fn === 'nindent' ? `\n${text}` : text;
      }
      case 'default':
        arity(2);
        return truthy(args[1]) ? args[1] : args[0];
      case 'required':
        arity(2);
        if (!truthy(args[1])) throw new Error(`${file}: ${String(args[0])}`);
        return args[1];
      case 'eq':
        arity(2);
        return args[0] === args[1];
      case 'ne':
        arity(2);
        return args[0] !== args[1];
      case 'not':
        arity(1);
        return !truthy(args[0]);
      case 'and':
        return args.find((a) => !truthy(a)) ?? args.at(-1);
      case 'or':
        return args.find((a) => truthy(a)) ?? args.at(-1);
      case 'add':
        return args.reduce((sum: number, a) => {
          if (typeof a !== 'number' || !Number.isInteger(a))
            throw new Error(`${file}: add takes integers: received ${String(a)}`);
          return sum + a;
        }, 0);
      case 'include': {
        arity(2);
        const body = this.defines.get(String(args[0]));
        if (body === undefined) throw new Error(`${file}: no template named "${String(args[0])}" is defined`);
        return this.render(body, args[1], file);
      }
      default:
        throw new Error(`${file}: function "${fn}" is not in the chart's template subset`);
    }
  }
}

/** Go's truth: false, 0, nil and empty strings, lists and maps are false. */
function truthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isMap(value)) return Object.keys(value).length > 0;
  return true;
}

/** How `{{ x }}` prints a value in Helm, or an error where Helm would print something surprising. */
function printValue(value: unknown, file: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    // Helm reads numbers as float64 and Go prints 1000000 as 1e+06: quote big numbers in values.
    if (Math.abs(value) >= 1e6)
      throw new Error(`${file}: ${value} would print as ${value.toExponential()} in Helm`);
    return String(value);
  }
  throw new Error(`${file}: cannot print ${value === undefined ? 'a missing value' : JSON.stringify(value)}`);
}

function isMap(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Splits a template into text and actions, applying the trim markers. */
function splitActions(
  source: string,
  file: string,
): ({ kind: 'text'; text: string } | { kind: 'action'; action: string })[] {
  const out: ({ kind: 'text'; text: string } | { kind: 'action'; action: string })[] = [];
  let at = 0;
  let trimNext = false;
  while (at <= source.length) {
    const open = source.indexOf('{{', at);
    let text = source.slice(at, open < 0 ? source.length : open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open < 0) {
      out.push({ kind: 'text', text });
      break;
    }
    const close = source.indexOf('}}', open + 2);
    if (close < 0) throw new Error(`${file}: an action opened at offset ${open} is not closed`);
    let inner = source.slice(open + 2, close);
    if (/^-\s/.test(inner)) {
      text = text.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    trimNext = /\s-$/.test(inner);
    if (trimNext) inner = inner.slice(0, -1);
    out.push({ kind: 'text', text }, { kind: 'action', action: inner.trim() });
    at = close + 2;
  }
  return out;
}

/** `a | b c | d` into commands; operands are fields, literals and parenthesised pipelines. */
function parsePipeline(text: string, where: string): Command[] {
  const tokens = text.match(/"(?:[^"\\]|\\.)*"|\(|\)|\||[^\s()|]+/g) ?? [];
  let i = 0;
  const pipeline = (): Command[] => {
    const commands: Command[] = [{ fn: null, args: [] }];
    while (i < tokens.length) {
      const token = tokens[i++]!;
      const current = commands.at(-1)!;
      if (token === ')') return commands;
      if (token === '|') commands.push({ fn: null, args: [] });
      else if (token === '(') current.args.push({ kind: 'pipeline', pipeline: pipeline() });
      else if (token.startsWith('"')) current.args.push({ kind: 'literal', value: JSON.parse(token) });
      else if (/^-?\d+$/.test(token)) current.args.push({ kind: 'literal', value: Number(token) });
      else if (token === 'true' || token === 'false')
        current.args.push({ kind: 'literal', value: token === 'true' });
      else if (token === '.') current.args.push({ kind: 'field', path: [] });
      else if (/^(\.[A-Za-z_][\w-]*)+$/.test(token))
        current.args.push({ kind: 'field', path: token.slice(1).split('.') });
      else if (/^[a-z][A-Za-z]*$/.test(token) && current.fn === null && current.args.length === 0)
        current.fn = token;
      else throw new Error(`${where}: cannot read '${token}'`);
    }
    return commands;
  };
  const commands = pipeline();
  if (commands.some((c) => c.fn === null && c.args.length === 0))
    throw new Error(`${where}: empty pipeline step`);
  return commands;
}
