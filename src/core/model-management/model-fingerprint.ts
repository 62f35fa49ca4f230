/**
 * Fingerprints of a model directory, so the poller and explicit loads can tell what changed:
 * one hash over the model-level files (config.pbtxt by content, label files, warmup data, any
 * other non-version file by size and mtime) and one per numeric version directory. It reads
 * the file system only; deciding what to reload is ModelManager's job.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** What a model directory looked like when it was read. */
export interface ModelFingerprint {
  /** Hash of everything outside the version directories. */
  readonly modelHash: string;
  /** Hash of each numeric version directory's files, by version. */
  readonly versions: ReadonlyMap<number, string>;
}

/** What differs between two fingerprints of the same model. */
export interface FingerprintDiff {
  /** The model-level files changed (config, labels, ...): every version must reload. */
  readonly modelChanged: boolean;
  /** Versions whose directory appeared, vanished or changed. */
  readonly versionsChanged: ReadonlySet<number>;
}

const VERSION_DIR = /^[1-9][0-9]*$/;

/** Lists files under `dir` (recursively, hidden entries skipped) as `path size mtime` lines. */
async function listFiles(dir: string, prefix: string, out: string[]): Promise<void> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    let info: import('node:fs').Stats;
    try {
      info = await stat(path);
    } catch {
      continue;
    }
    if (info.isDirectory()) await listFiles(path, rel, out);
    else out.push(`${rel} ${info.size} ${info.mtimeMs}`);
  }
}

function hashLines(lines: string[]): string {
  return createHash('sha1').update(lines.sort().join('\n')).digest('hex');
}

/** Reads the fingerprint of the model directory `dir`. */
export async function fingerprintModel(dir: string): Promise<ModelFingerprint> {
  const entries = await readdir(dir, { withFileTypes: true });
  const modelLines: string[] = [];
  const versions = new Map<number, string>();
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    let info: import('node:fs').Stats;
    try {
      info = await stat(path);
    } catch {
      continue;
    }
    if (info.isDirectory() && VERSION_DIR.test(entry.name)) {
      const lines: string[] = [];
      await listFiles(path, '', lines);
      versions.set(Number(entry.name), hashLines(lines));
    } else if (info.isDirectory()) {
      await listFiles(path, entry.name, modelLines);
    } else if (entry.name === 'config.pbtxt') {
      // By content: editors may keep the mtime, and a touch without a change must not reload.
      const text = await readFile(path).catch(() => Buffer.alloc(0));
      modelLines.push(`config.pbtxt ${createHash('sha1').update(text).digest('hex')}`);
    } else {
      modelLines.push(`${entry.name} ${info.size} ${info.mtimeMs}`);
    }
  }
  return { modelHash: hashLines(modelLines), versions };
}

/** Compares two fingerprints of one model. */
export function diffFingerprints(before: ModelFingerprint, after: ModelFingerprint): FingerprintDiff {
  const versionsChanged = new Set<number>();
  for (const [v, hash] of after.versions) if (before.versions.get(v) !== hash) versionsChanged.add(v);
  for (const v of before.versions.keys()) if (!after.versions.has(v)) versionsChanged.add(v);
  return { modelChanged: before.modelHash !== after.modelHash, versionsChanged };
}

/** Whether two fingerprints describe the same directory contents. */
export function sameFingerprint(a: ModelFingerprint, b: ModelFingerprint): boolean {
  const diff = diffFingerprints(a, b);
  return !diff.modelChanged && diff.versionsChanged.size === 0;
}
