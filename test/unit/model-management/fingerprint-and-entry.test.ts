/**
 * Unit: model directory fingerprints (what changed: model-level files or which versions) and
 * ModelEntry (atomic publish of a version set, retiring, one operation at a time).
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CompletedLoad,
  diffFingerprints,
  fingerprintModel,
  ModelEntry,
  sameFingerprint,
} from '../../../src/core/model-management/index.js';
import type { ModelVersion } from '../../../src/core/model-version.js';
import type { ModelConfig } from '../../../src/protocol/model-config.js';

const dir = mkdtempSync(join(tmpdir(), 'nereid-fp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fingerprintModel', () => {
  it('tells config edits, version additions, removals and changes apart, and ignores a touch of the config', async () => {
    mkdirSync(join(dir, '1'));
    writeFileSync(join(dir, '1', 'model.onnx'), 'one');
    writeFileSync(join(dir, 'config.pbtxt'), 'max_batch_size: 1');
    const a = await fingerprintModel(dir);
    expect([...a.versions.keys()]).toEqual([1]);
    utimesSync(join(dir, 'config.pbtxt'), new Date(), new Date(Date.now() + 5000));
    expect(sameFingerprint(a, await fingerprintModel(dir))).toBe(true);

    writeFileSync(join(dir, 'config.pbtxt'), 'max_batch_size: 2');
    const b = await fingerprintModel(dir);
    expect(diffFingerprints(a, b)).toEqual({ modelChanged: true, versionsChanged: new Set() });

    mkdirSync(join(dir, '2'));
    writeFileSync(join(dir, '2', 'model.onnx'), 'two');
    writeFileSync(join(dir, '1', 'model.onnx'), 'one, longer');
    const c = await fingerprintModel(dir);
    expect(diffFingerprints(b, c)).toEqual({ modelChanged: false, versionsChanged: new Set([1, 2]) });

    rmSync(join(dir, '2'), { recursive: true });
    writeFileSync(join(dir, 'labels.txt'), 'cat');
    const d = await fingerprintModel(dir);
    expect(diffFingerprints(c, d)).toEqual({ modelChanged: true, versionsChanged: new Set([2]) });
  });
});

function version(n: number): ModelVersion {
  return { version: n } as ModelVersion;
}

/** A completed load of `versions` from the repository. */
function completed(versions: ModelVersion[]): CompletedLoad {
  return {
    versions,
    source: { name: 'm', repository: '/repo', dir: '/repo/m' },
    config: {} as ModelConfig,
    fingerprint: { modelHash: 'h', versions: new Map() },
    overridden: false,
    staged: null,
    dependencies: [],
  };
}

describe('ModelEntry', () => {
  it('finishLoad swaps the whole version set at once and returns the versions that no longer serve', () => {
    const entry = new ModelEntry('m');
    const [v1, v2, v3] = [version(1), version(2), version(3)];
    entry.startLoad();
    expect(entry.finishLoad(completed([v1, v2])).retired).toEqual([]);
    expect(entry.latest).toBe(v2);
    const v2b = version(2);
    expect(entry.finishLoad(completed([v2b, v3])).retired).toEqual([v1, v2]);
    expect(entry.latest).toBe(v3);
    expect(entry.finishLoad(completed([v2b, v3])).retired).toEqual([]);
    expect(entry.startUnload()).toEqual([v2b, v3]);
    expect(entry.serving).toBe(false);
    expect(entry.versions.size).toBe(0);
  });

  it('serialize runs operations one at a time in order, also after a failure', async () => {
    const entry = new ModelEntry('m');
    const log: string[] = [];
    let release: () => void = () => {};
    const first = entry.serialize(async () => {
      log.push('first start');
      await new Promise<void>((r) => {
        release = r;
      });
      log.push('first end');
      throw new Error('boom');
    });
    const second = entry.serialize(async () => {
      log.push('second');
      return 2;
    });
    await Promise.resolve();
    await Promise.resolve();
    expect(log).toEqual(['first start']);
    release();
    await expect(first).rejects.toThrow('boom');
    expect(await second).toBe(2);
    expect(log).toEqual(['first start', 'first end', 'second']);
  });
});
