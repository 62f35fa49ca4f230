/**
 * The two error codes of the config layer and their constructors. Syntax errors come from the
 * text-format parser; everything else (unknown fields, wrong types, rule violations, mismatches
 * with the model file) is ERR_INVALID_CONFIG. Both are INVALID_ARG, which fails the model load.
 */
import { ServerError, Status } from '../common/index.js';

/** Code of a config.pbtxt that is not valid protobuf text format. */
export const ERR_CONFIG_SYNTAX = 'ERR_CONFIG_SYNTAX';

/** Code of a config that parses but breaks the schema or Triton's rules. */
export const ERR_INVALID_CONFIG = 'ERR_INVALID_CONFIG';

/** A syntax error at `line:column` of `source`. */
export function configSyntaxError(
  source: string,
  line: number,
  column: number,
  message: string,
): ServerError {
  return new ServerError(
    Status.INVALID_ARG,
    ERR_CONFIG_SYNTAX,
    `Syntax error in "${source}" at ${line}:${column}: ${message}`,
  );
}

/** An ERR_INVALID_CONFIG error with the message as given. */
export function invalidConfig(message: string): ServerError {
  return new ServerError(Status.INVALID_ARG, ERR_INVALID_CONFIG, message);
}

/** Renders a value for an error message: strings quoted, arrays in brackets, the rest as JSON. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return `[${value.map(showValue).join(', ')}]`;
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (value === undefined) return 'nothing';
  return JSON.stringify(value);
}

/** Levenshtein distance, to suggest the field a user probably meant. */
export function editDistance(a: string, b: string): number {
  const row = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) row[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** The candidate closest to `name` when it is a plausible typo (distance <= 2 or a third of its length). */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}
