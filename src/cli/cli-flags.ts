/**
 * A small command-line flag parser with tritonserver's conventions: `--flag value`,
 * `--flag=value`, booleans as `--flag`, `--flag=true|false` and `--flag true|false`, repeatable
 * flags, and generated `--help` text. It parses only; commands decide what the values mean.
 */
import { ServerError } from '../common/index.js';

/** The kind of value a flag takes. */
export type FlagKind = 'string' | 'int' | 'bool' | 'list';

/** One flag's declaration. */
export interface FlagSpec {
  /** Long name without dashes (`http-port`). */
  name: string;
  /** Value kind; `list` flags may repeat. */
  kind: FlagKind;
  /** One-line help. */
  help: string;
  /** Default value (shown in help). */
  default?: string | number | boolean | string[];
  /** Other names accepted for the same flag (`model-store`). */
  aliases?: string[];
  /** Short name without dash (`m`). */
  short?: string;
  /** Placeholder in help (`PORT`). */
  metavar?: string;
}

/** Parsed flag values by flag name, plus positional arguments. */
export interface ParsedFlags {
  /** Values by canonical flag name (defaults applied). */
  values: Record<string, string | number | boolean | string[] | undefined>;
  /** Arguments that are not flags. */
  positional: string[];
}

/** An error in the command line (printed with the usage hint). */
export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

/**
 * Runs `check`, turning the ServerError a library function throws for a bad option value into
 * the FlagError it is on the command line (printed as a usage error, exit code 2).
 */
export function asFlagError<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof ServerError) throw new FlagError(err.message);
    throw err;
  }
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

function parseBool(name: string, text: string): boolean {
  const t = text.toLowerCase();
  if (TRUE.has(t)) return true;
  if (FALSE.has(t)) return false;
  throw new FlagError(`Flag --${name} takes true or false: received '${text}'`);
}

function parseInt10(name: string, text: string): number {
  if (!/^-?[0-9]+$/.test(text.trim()))
    throw new FlagError(`Flag --${name} takes an integer: received '${text}'`);
  return Number(text);
}

/** Parses `argv` against `specs`. */
export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[]): ParsedFlags {
  const byName = new Map<string, FlagSpec>();
  for (const spec of specs) {
    byName.set(spec.name, spec);
    for (const alias of spec.aliases ?? []) byName.set(alias, spec);
    if (spec.short !== undefined) byName.set(spec.short, spec);
  }
  const values: ParsedFlags['values'] = {};
  for (const spec of specs) {
    values[spec.name] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
  }
  const seenList = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    const long = arg.startsWith('--');
    const short = !long && /^-[A-Za-z]$/.test(arg);
    if (!long && !short && !(arg.startsWith('-') && arg.length > 2 && !/^-[0-9]/.test(arg))) {
      positional.push(arg);
      continue;
    }
    const body = long ? arg.slice(2) : arg.slice(1);
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    let inline: string | undefined = eq === -1 ? undefined : body.slice(eq + 1);
    const spec = byName.get(name);
    if (spec === undefined) throw new FlagError(`Unknown flag '${arg}'; see --help`);
    if (spec.kind === 'bool') {
      if (inline === undefined) {
        const next = argv[i + 1];
        if (next !== undefined && (TRUE.has(next.toLowerCase()) || FALSE.has(next.toLowerCase()))) {
          inline = next;
          i++;
        }
      }
      values[spec.name] = inline === undefined ? true : parseBool(spec.name, inline);
      continue;
    }
    if (inline === undefined) {
      inline = argv[i + 1];
      if (inline === undefined) throw new FlagError(`Flag --${spec.name} needs a value`);
      i++;
    }
    if (spec.kind === 'int') values[spec.name] = parseInt10(spec.name, inline);
    else if (spec.kind === 'list') {
      if (!seenList.has(spec.name)) {
        seenList.add(spec.name);
        values[spec.name] = [];
      }
      (values[spec.name] as string[]).push(inline);
    } else values[spec.name] = inline;
  }
  return { values, positional };
}

/** Help text for a command's flags. */
export function formatHelp(usage: string, description: string, specs: readonly FlagSpec[]): string {
  const lines = [`Usage: ${usage}`, '', description, '', 'Options:'];
  for (const spec of specs) {
    const names = [
      ...(spec.short ? [`-${spec.short}`] : []),
      `--${spec.name}${spec.kind === 'bool' ? '[=true|false]' : ` ${spec.metavar ?? spec.kind.toUpperCase()}`}`,
      ...(spec.aliases ?? []).map((a) => `--${a}`),
    ].join(', ');
    const def =
      spec.default === undefined || (Array.isArray(spec.default) && spec.default.length === 0)
        ? ''
        : ` [default: ${Array.isArray(spec.default) ? spec.default.join(',') : spec.default}]`;
    const repeat = spec.kind === 'list' ? ' (repeatable)' : '';
    lines.push(`  ${names}`);
    lines.push(`      ${spec.help}${repeat}${def}`);
  }
  return `${lines.join('\n')}\n`;
}
