/**
 * TraceFileWriter on a real temporary directory: log_frequency 0 appends every trace to one JSON
 * array closed when the writer closes; log_frequency N writes each N traces to `PATH.0`,
 * `PATH.1`, ... as complete arrays, and the rest at close; nothing is created before a trace.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { silentLogger } from '../../../src/common/logger.js';
import { TraceFileWriter } from '../../../src/core/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function writerIn(): { writer: TraceFileWriter; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'nereid-tracefile-'));
  dirs.push(dir);
  const path = join(dir, 'trace.json');
  return { writer: new TraceFileWriter(path, silentLogger, new ManualClock()), path };
}

const entry = (id: number) => `{"id":${id},"model_name":"m","model_version":1}`;

describe('TraceFileWriter', () => {
  it('TraceFileWriter appends traces to one JSON array and closes it', async () => {
    const { writer, path } = writerIn();
    writer.write(entry(1), 0);
    writer.write(entry(2), 0);
    await writer.close();
    expect(JSON.parse(readFileSync(path, 'utf8')).map((e: { id: number }) => e.id)).toEqual([1, 2]);
  });

  it('TraceFileWriter with log_frequency 2 writes indexed files of two traces and the rest at close', async () => {
    const { writer, path } = writerIn();
    for (let id = 1; id <= 5; id++) writer.write(entry(id), 2);
    await writer.close();
    const ids = (file: string) => JSON.parse(readFileSync(file, 'utf8')).map((e: { id: number }) => e.id);
    expect(ids(`${path}.0`)).toEqual([1, 2]);
    expect(ids(`${path}.1`)).toEqual([3, 4]);
    expect(ids(`${path}.2`)).toEqual([5]);
    expect(existsSync(path)).toBe(false);
  });

  it('TraceFileWriter creates no file when nothing was traced', async () => {
    const { writer, path } = writerIn();
    await writer.close();
    expect(existsSync(path)).toBe(false);
  });
});
