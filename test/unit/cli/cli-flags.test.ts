/** Unit: tritonserver-style flag parsing. */
import { describe, expect, it } from 'vitest';
import { type FlagSpec, formatHelp, parseFlags } from '../../../src/cli/cli-flags.js';

const SPECS: FlagSpec[] = [
  { name: 'model-repository', aliases: ['model-store'], kind: 'list', help: 'repo', default: [] },
  { name: 'http-port', kind: 'int', help: 'port', default: 8000 },
  { name: 'exit-on-error', kind: 'bool', help: 'exit', default: false },
  { name: 'id', kind: 'string', help: 'id', default: 'nereid' },
  { name: 'help', short: 'h', kind: 'bool', help: 'help', default: false },
];

describe('parseFlags', () => {
  it('accepts --flag value, --flag=value and repeated list flags with aliases', () => {
    const p = parseFlags(
      ['--model-repository', 'a', '--model-store=b', '--http-port=9000', '--id', 'triton'],
      SPECS,
    );
    expect(p.values['model-repository']).toEqual(['a', 'b']);
    expect(p.values['http-port']).toBe(9000);
    expect(p.values.id).toBe('triton');
  });

  it('accepts booleans as --flag, --flag=false and --flag true', () => {
    expect(parseFlags(['--exit-on-error'], SPECS).values['exit-on-error']).toBe(true);
    expect(parseFlags(['--exit-on-error=false'], SPECS).values['exit-on-error']).toBe(false);
    expect(parseFlags(['--exit-on-error', 'true', 'pos'], SPECS)).toEqual({
      values: expect.objectContaining({ 'exit-on-error': true }),
      positional: ['pos'],
    });
    expect(parseFlags(['-h'], SPECS).values.help).toBe(true);
  });

  it('applies defaults and rejects unknown flags, bad integers and bad booleans', () => {
    expect(parseFlags([], SPECS).values).toMatchObject({
      'http-port': 8000,
      id: 'nereid',
      'model-repository': [],
    });
    expect(() => parseFlags(['--nope'], SPECS)).toThrow("Unknown flag '--nope'");
    expect(() => parseFlags(['--http-port', 'x'], SPECS)).toThrow(
      "Flag --http-port takes an integer: received 'x'",
    );
    expect(() => parseFlags(['--exit-on-error=maybe'], SPECS)).toThrow(
      "takes true or false: received 'maybe'",
    );
    expect(() => parseFlags(['--id'], SPECS)).toThrow('Flag --id needs a value');
  });

  it('documents every flag with its default in the help text', () => {
    const help = formatHelp('x', 'y', SPECS);
    expect(help).toContain('--http-port PORT'.replace('PORT', 'INT'));
    expect(help).toContain('[default: 8000]');
    expect(help).toContain('--model-store');
    expect(help).toContain('(repeatable)');
  });
});
