import { describe, expect, it } from 'vitest';
import {
  DEFAULT_EXECUTION_TIMEOUT_MS,
  DEFAULT_LOAD_TIMEOUT_MS,
  parseJsBackendConfig,
  resolveJsInstanceSettings,
} from '../../../../src/backends/js/index.js';
import { testConfig } from '../../../conformance/execute.js';

const withParameters = (parameters: Record<string, string>) =>
  testConfig('m', {
    parameters: Object.fromEntries(
      Object.entries(parameters).map(([k, v]) => [k, { string_value: v }]),
    ) as never,
  });

describe('JavaScript backend settings', () => {
  it('timeouts default to 60 s per execution and 120 s per load, and isolation to a thread', () => {
    expect(resolveJsInstanceSettings(testConfig('m'), {})).toEqual({
      executionTimeoutMs: DEFAULT_EXECUTION_TIMEOUT_MS,
      loadTimeoutMs: DEFAULT_LOAD_TIMEOUT_MS,
      isolation: 'thread',
      maxMemoryMb: 0,
      processEnv: [],
    });
    expect(DEFAULT_EXECUTION_TIMEOUT_MS).toBe(60_000);
    expect(DEFAULT_LOAD_TIMEOUT_MS).toBe(120_000);
  });

  it('parseJsBackendConfig reads every key --backend-config javascript accepts', () => {
    expect(
      parseJsBackendConfig([
        ['execution-timeout-ms', '1500'],
        ['load-timeout-ms', '0'],
        ['finalize-timeout-ms', '250'],
        ['isolation', 'process'],
        ['max-memory-mb', '256'],
      ]),
    ).toEqual({
      executionTimeoutMs: 1500,
      loadTimeoutMs: 0,
      finalizeTimeoutMs: 250,
      isolation: 'process',
      maxMemoryMb: 256,
    });
  });

  it('parseJsBackendConfig refuses an unknown key, naming the allowed ones, and bad values', () => {
    expect(() => parseJsBackendConfig([['bogus', '1']])).toThrow(
      'Unknown --backend-config key "bogus" for backend "javascript": allowed "execution-timeout-ms", "load-timeout-ms", "finalize-timeout-ms", "max-memory-mb", "isolation"',
    );
    expect(() => parseJsBackendConfig([['execution-timeout-ms', '-1']])).toThrow(
      '--backend-config javascript,execution-timeout-ms must be a whole number >= 0: received "-1"',
    );
    expect(() => parseJsBackendConfig([['isolation', 'vm']])).toThrow(
      '--backend-config javascript,isolation must be "thread" or "process": received "vm"',
    );
  });

  it('a model parameter overrides the global setting, which overrides the default', () => {
    const global = {
      executionTimeoutMs: 5000,
      loadTimeoutMs: 7000,
      isolation: 'process',
      maxMemoryMb: 64,
    } as const;
    expect(resolveJsInstanceSettings(testConfig('m'), global)).toMatchObject(global);
    const config = withParameters({
      'nereid.execution_timeout_ms': '250',
      'nereid.load_timeout_ms': '0',
      'nereid.isolation': 'thread',
      'nereid.max_memory_mb': '32',
      'nereid.process_env': 'API_TOKEN, OTHER_NAME',
    });
    expect(resolveJsInstanceSettings(config, global)).toEqual({
      executionTimeoutMs: 250,
      loadTimeoutMs: 0,
      isolation: 'thread',
      maxMemoryMb: 32,
      processEnv: ['API_TOKEN', 'OTHER_NAME'],
    });
  });

  it('a bad model parameter fails the load naming the parameter and the value', () => {
    expect(() => resolveJsInstanceSettings(withParameters({ 'nereid.load_timeout_ms': 'soon' }), {})).toThrow(
      'parameters["nereid.load_timeout_ms"] must be a number of milliseconds >= 0: received "soon"',
    );
    expect(() => resolveJsInstanceSettings(withParameters({ 'nereid.isolation': 'vm' }), {})).toThrow(
      'parameters["nereid.isolation"] must be "thread" or "process": received "vm"',
    );
    expect(() => resolveJsInstanceSettings(withParameters({ 'nereid.max_memory_mb': '1.5' }), {})).toThrow(
      'parameters["nereid.max_memory_mb"] must be a whole number of MB >= 0: received "1.5"',
    );
    expect(() =>
      resolveJsInstanceSettings(withParameters({ 'nereid.process_env': 'A,$(whoami)' }), {}),
    ).toThrow(
      'parameters["nereid.process_env"] must be a comma-separated list of environment variable names: received "A,$(whoami)"',
    );
  });
});
