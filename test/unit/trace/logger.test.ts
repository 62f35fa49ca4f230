/**
 * The server log behind the logging extension: lines appended to a log file (`--log-file`) in the
 * default or ISO8601 format, switches and the verbose level changed at run time through
 * applyLogSettings, which checks every value before applying any.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Status } from '../../../src/common/errors.js';
import { Logger } from '../../../src/common/logger.js';
import { applyLogSettings, logSettingsOf } from '../../../src/core/index.js';
import { serverErrorOf } from '../../helpers/server-error-of.js';

describe('Logger', () => {
  it('Logger appends its lines to the log file in the format in force', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nereid-log-'));
    try {
      const file = join(dir, 'server.log');
      const logger = new Logger({ file });
      logger.logInfo('first');
      logger.format = 'ISO8601';
      logger.logWarning('second');
      await logger.close();
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
      expect(lines[0]).toMatch(/^I\d{4} \d\d:\d\d:\d\d\.\d{3} nereid\] first$/);
      expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z W nereid\] second$/);
      expect(logSettingsOf(logger).log_file).toBe(file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('applyLogSettings changes the switches and the verbose level, and applies nothing when one value is bad', () => {
    const lines: string[] = [];
    const logger = new Logger({ write: (l) => lines.push(l) });
    logger.verbose(1, 'hidden');
    applyLogSettings(logger, { log_verbose_level: 2, log_info: false, log_warning: null });
    logger.verbose(2, 'shown');
    logger.logInfo('hidden too');
    expect(lines.map((l) => l.slice(l.indexOf(']') + 2).trim())).toEqual(['shown']);
    const error = serverErrorOf(() => applyLogSettings(logger, { log_error: false, log_format: 'json' }));
    expect(error.status).toBe(Status.INVALID_ARG);
    expect(error.message).toBe('log_format must be "default" or "ISO8601": received "json"');
    expect(logger.error).toBe(true);
    expect(serverErrorOf(() => applyLogSettings(logger, { log_level: 1 })).message).toContain(
      "Unknown log setting 'log_level'",
    );
  });
});
