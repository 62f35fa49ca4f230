/**
 * Readers of flag text shared by the measuring commands (`nereid perf`, `tune`, `optimize`): a
 * number, `NAME:D1,D2` shapes and `NAME:VALUE` headers. Each throws a FlagError naming the flag
 * and the text it received; whether a value is allowed is the library's to check.
 */
import { FlagError } from './cli-flags.js';

/** `text` as a finite number, or a FlagError naming flag `name`. */
export function numberFlag(name: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n))
    throw new FlagError(`Flag --${name} takes a number: received '${text}'`);
  return n;
}

/** `--shape NAME:D1,D2` values as shapes by input name. */
export function shapesFromFlags(list: readonly string[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const item of list) {
    const at = item.lastIndexOf(':');
    const dims = item
      .slice(at + 1)
      .split(',')
      .map(Number);
    if (at <= 0 || dims.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      throw new FlagError(`Flag --shape takes NAME:D1,D2,... with integers >= 0: received '${item}'`);
    }
    out[item.slice(0, at)] = dims;
  }
  return out;
}

/** `-H NAME:VALUE` values as headers. */
export function headersFromFlags(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const at = item.indexOf(':');
    if (at <= 0) throw new FlagError(`Flag -H takes NAME:VALUE: received '${item}'`);
    out[item.slice(0, at).trim()] = item.slice(at + 1).trim();
  }
  return out;
}
