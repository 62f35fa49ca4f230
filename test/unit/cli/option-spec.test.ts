/** Unit: typed option tables (option-spec.ts) and the serve table built on them. */
import { describe, expect, it } from 'vitest';
import { FlagError, formatHelp } from '../../../src/cli/cli-flags.js';
import { flagSpecs, option, parseOptions } from '../../../src/cli/option-spec.js';
import { SERVE_OPTIONS } from '../../../src/cli/serve-options.js';
import { parseModelControlMode } from '../../../src/core/index.js';

const TABLE = {
  'timeout-ms': option({ kind: 'int', unit: 'ms', help: 'A timeout', default: 100 }),
  mode: option({ kind: 'string', help: 'A mode', default: 'none', parse: parseModelControlMode }),
  'max-things': option({
    kind: 'int',
    metavar: 'N',
    help: 'Most things (0 = automatic)',
    default: 0,
    parse: (n: number) => (n === 0 ? undefined : n),
  }),
};

describe('parseOptions', () => {
  it('parseOptions applies defaults and each parser, keyed by flag name', () => {
    const { values, positional } = parseOptions(['--mode=EXPLICIT', 'repo'], TABLE);
    expect(values).toEqual({ 'timeout-ms': 100, mode: 'explicit', 'max-things': undefined });
    expect(positional).toEqual(['repo']);
    expect(parseOptions(['--max-things', '3'], TABLE).values['max-things']).toBe(3);
  });

  it("parseOptions turns a library parser's ServerError into a FlagError with its message", () => {
    expect(() => parseOptions(['--mode=sometimes'], TABLE)).toThrow(FlagError);
    expect(() => parseOptions(['--mode=sometimes'], TABLE)).toThrow(
      "Model control mode must be one of none, poll, explicit: received 'sometimes'",
    );
  });

  it('flagSpecs names the help placeholder after the unit unless a metavar is given', () => {
    const help = formatHelp('t', 'd', flagSpecs(TABLE));
    expect(help).toContain('--timeout-ms MS');
    expect(help).toContain('--max-things N');
  });

  it('every serve option has help, and every number option a unit or a placeholder', () => {
    for (const spec of flagSpecs(SERVE_OPTIONS)) {
      expect(spec.help.length).toBeGreaterThan(0);
      if (spec.kind === 'int') expect(spec.metavar).toBeDefined();
    }
  });
});

describe('options without a default', () => {
  const OPTIONAL = {
    budget: option({
      kind: 'string',
      help: 'A budget',
      parse: (text: string) => {
        if (text === 'none') throw new FlagError('no budget');
        return Number(text);
      },
    }),
  };

  it('read undefined when absent without running the parser, and the parsed value when given', () => {
    expect(parseOptions([], OPTIONAL).values.budget).toBeUndefined();
    expect(parseOptions(['--budget', '12'], OPTIONAL).values.budget).toBe(12);
    expect(() => parseOptions(['--budget', 'none'], OPTIONAL)).toThrow('no budget');
  });
});
