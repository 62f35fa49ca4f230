/**
 * Typed option tables for the commands: one entry per flag with its kind, default, unit, help and
 * parser, from which come both the flag specs that `parseFlags` and `--help` use and the typed
 * values a command reads (no casts). Parsers only turn text into values (a file into its bytes,
 * `0` into "automatic"); whether a value is allowed is checked by the library constructor that
 * takes it, so an embedding program gets the same errors as the command line.
 */
import { asFlagError, type FlagKind, type FlagSpec, type ParsedFlags, parseFlags } from './cli-flags.js';

/** The unit of a number flag; it names the placeholder in `--help` (`MS`, `S`, `BYTES`). */
export type OptionUnit = 'ms' | 's' | 'bytes';

/** The value a flag of each kind reads before its parser. */
export interface FlagKindValue {
  string: string;
  int: number;
  bool: boolean;
  list: string[];
}

/** One option: its flag (without the name, which is the table's key) and how its value is read. */
export interface OptionSpec<K extends FlagKind = FlagKind, T = FlagKindValue[K]>
  extends Omit<FlagSpec, 'name' | 'kind' | 'default'> {
  /** How the flag's text is read. */
  kind: K;
  /** Default value before the parser (shown in help); without one an absent flag reads `undefined` and its parser is not run. */
  default?: FlagKindValue[K];
  /** Unit of a number (`ms`, `s`, `bytes`); default none. */
  unit?: OptionUnit;
  /** Turns the flag's value into the option's (throw FlagError for text that means nothing); default identity. */
  parse?: (value: FlagKindValue[K]) => T;
}

/**
 * Declares one option; `T` is inferred from `parse` (the kind's value without one). An option
 * without a default reads `T | undefined`: `undefined` when the flag is absent.
 */
export function option<K extends FlagKind, T = FlagKindValue[K]>(
  spec: OptionSpec<K, T> & { default: FlagKindValue[K] },
): OptionSpec<K, T>;
export function option<K extends FlagKind, T = FlagKindValue[K]>(
  spec: OptionSpec<K, T> & { default?: undefined },
): OptionSpec<K, T | undefined>;
export function option<K extends FlagKind, T>(spec: OptionSpec<K, T>): OptionSpec<K, T> {
  return spec;
}

/** A command's options by flag name. */
export type OptionTable = Record<string, OptionSpec<any, any>>;

/** The typed values of a table's options. */
export type OptionValues<S extends OptionTable> = {
  -readonly [N in keyof S]: S[N] extends OptionSpec<any, infer T> ? T : never;
};

/** The flag specs of a table, in its order (for parseFlags and formatHelp). */
export function flagSpecs(table: OptionTable): FlagSpec[] {
  return Object.entries(table).map(([name, spec]) => {
    const { parse: _parse, unit, ...flag } = spec;
    return { name, ...flag, metavar: flag.metavar ?? unit?.toUpperCase() };
  });
}

/** Parsed options: typed values by flag name, and the arguments that are not flags. */
export interface ParsedOptions<S extends OptionTable> {
  /** Values by flag name, defaults applied, parsers run. */
  values: OptionValues<S>;
  /** Arguments that are not flags. */
  positional: string[];
}

/** Parses `argv` against `table`; throws FlagError for an unknown flag or a value its parser refuses. */
export function parseOptions<S extends OptionTable>(argv: readonly string[], table: S): ParsedOptions<S> {
  const parsed: ParsedFlags = parseFlags(argv, flagSpecs(table));
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(table)) {
    const raw = parsed.values[name];
    const parse = spec.parse;
    values[name] = parse === undefined || raw === undefined ? raw : asFlagError(() => parse(raw));
  }
  return { values: values as OptionValues<S>, positional: parsed.positional };
}

/**
 * A parser that types a flag's text as the string union a library option takes, without checking
 * it: the library function the value goes to checks it and names the allowed values, so the
 * command line and an embedding program get the same error.
 */
export function checkedByLibrary<T extends string>(): (text: string) => T {
  return (text) => text as T;
}
