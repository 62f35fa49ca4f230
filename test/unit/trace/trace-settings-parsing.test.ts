/**
 * Parsing what clients send: trace settings as Triton's JSON (strings, lists of strings, null) and
 * gRPC lists, and tritonserver's `--trace-config` entries. Errors say what is wrong and what is
 * allowed; the trace file and mode are read-only through the API.
 */
import { describe, expect, it } from 'vitest';
import { Status } from '../../../src/common/errors.js';
import {
  parseTraceConfig,
  parseTraceSettingUpdate,
  TraceLevel,
  traceSettingsFromJson,
} from '../../../src/core/index.js';
import { serverErrorOf } from '../../helpers/server-error-of.js';

describe('Trace setting updates', () => {
  it('perf_analyzer JSON parses to the four values, and null clears one', () => {
    const body = {
      trace_level: ['TIMESTAMPS', 'TENSORS'],
      trace_rate: '1000',
      trace_count: '-1',
      log_frequency: null,
    };
    expect(parseTraceSettingUpdate(traceSettingsFromJson(body))).toEqual({
      level: TraceLevel.TIMESTAMPS | TraceLevel.TENSORS,
      rate: 1000,
      count: -1,
      logFrequency: null,
    });
    expect(parseTraceSettingUpdate({ trace_level: ['OFF'], trace_rate: [] })).toEqual({
      level: 0,
      rate: null,
    });
  });

  it('Bad values, unknown settings and read-only settings are refused with what is allowed', () => {
    const cases: [Record<string, string[] | null>, Status, string][] = [
      [
        { trace_level: ['OFF', 'TIMESTAMPS'] },
        Status.INVALID_ARG,
        "trace_level 'OFF' must be the only level",
      ],
      [
        { trace_rate: ['0'] },
        Status.INVALID_ARG,
        "trace_rate must be an integer in [1, 4294967295]: received '0'",
      ],
      [{ trace_count: ['-2'] }, Status.INVALID_ARG, 'trace_count must be an integer in [-1, 2147483647]'],
      [{ log_frequency: ['1', '2'] }, Status.INVALID_ARG, 'log_frequency takes one value'],
      [{ trace_speed: ['1'] }, Status.INVALID_ARG, "Unknown trace setting 'trace_speed'"],
      [{ trace_file: ['/tmp/x'] }, Status.UNSUPPORTED, "Trace setting 'trace_file' cannot be changed"],
      [{ trace_mode: ['opentelemetry'] }, Status.UNSUPPORTED, "Trace setting 'trace_mode' cannot be changed"],
    ];
    for (const [settings, status, message] of cases) {
      const error = serverErrorOf(() => parseTraceSettingUpdate(settings));
      expect(error.status).toBe(status);
      expect(error.message).toContain(message);
    }
    expect(serverErrorOf(() => traceSettingsFromJson({ trace_rate: 5 })).message).toBe(
      "Trace setting 'trace_rate' must be a string, a list of strings or null: received 5",
    );
    expect(serverErrorOf(() => traceSettingsFromJson([])).message).toBe(
      'Trace setting request must be a JSON object',
    );
  });
});

describe('--trace-config', () => {
  it('--trace-config reads tritonserver entries: levels add up, modes scope their settings', () => {
    expect(
      parseTraceConfig([
        'triton,file=/tmp/a,b.json',
        'triton,log-frequency=50',
        'rate=100',
        'level=TIMESTAMPS',
        'level=TENSORS',
        'count=10',
      ]),
    ).toEqual({
      file: '/tmp/a,b.json',
      logFrequency: 50,
      rate: 100,
      level: TraceLevel.TIMESTAMPS | TraceLevel.TENSORS,
      count: 10,
    });
    expect(
      parseTraceConfig([
        'mode=opentelemetry',
        'opentelemetry,url=http://127.0.0.1:4318/v1/traces',
        'opentelemetry,resource=service.name=ocr',
        'opentelemetry,resource=team=vision',
        'opentelemetry,bsp_schedule_delay=200',
      ]),
    ).toEqual({
      mode: 'opentelemetry',
      opentelemetry: {
        url: 'http://127.0.0.1:4318/v1/traces',
        resource: { 'service.name': 'ocr', team: 'vision' },
        scheduleDelayMs: 200,
      },
    });
    expect(parseTraceConfig(['level=OFF'])).toEqual({ level: TraceLevel.OFF });
  });

  it('--trace-config refuses unknown settings and bad values naming the entry', () => {
    expect(serverErrorOf(() => parseTraceConfig(['rate=often'])).message).toBe(
      "--trace-config rate must be an integer in [1, 4294967295]: received 'often'",
    );
    expect(serverErrorOf(() => parseTraceConfig(['mode=jaeger'])).message).toBe(
      "--trace-config mode must be triton or opentelemetry: received 'jaeger'",
    );
    expect(serverErrorOf(() => parseTraceConfig(['triton,url=x'])).message).toContain(
      "Unknown --trace-config setting 'triton,url=x'",
    );
    expect(serverErrorOf(() => parseTraceConfig(['opentelemetry,url=ftp://x'])).message).toContain(
      'must be http:// or https://',
    );
    expect(serverErrorOf(() => parseTraceConfig(['level=LOUD'])).message).toContain(
      "trace_level must be OFF, TIMESTAMPS or TENSORS: received 'LOUD'",
    );
    expect(serverErrorOf(() => parseTraceConfig(['TIMESTAMPS'])).message).toBe(
      "--trace-config takes [MODE,]SETTING=VALUE: received 'TIMESTAMPS'",
    );
  });
});
