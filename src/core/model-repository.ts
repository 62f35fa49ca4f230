/**
 * Reads model repositories from disk: which model directories exist (across several
 * `--model-repository` roots), which numeric version directories each has, and which of them the
 * version policy serves. It reads directories only; parsing and loading live elsewhere.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { modelNameProblem } from '../common/index.js';
import type { VersionPolicy } from '../protocol/index.js';

/** A model directory found in a repository. */
export interface ModelSource {
  /** Model name (the directory name). */
  readonly name: string;
  /** Absolute repository root it was found in. */
  readonly repository: string;
  /** Absolute model directory. */
  readonly dir: string;
}

/** A name that appears in more than one repository (Triton refuses to load such a model). */
export interface DuplicateModel {
  /** Model name. */
  readonly name: string;
  /** The repositories holding it. */
  readonly repositories: readonly string[];
}

/** A directory skipped because its name cannot be a model name. */
export interface InvalidModelDirectory {
  /** The directory name. */
  readonly name: string;
  /** Why it cannot be a model name. */
  readonly problem: string;
}

/** What a scan of the repositories found. */
export interface RepositoryScan {
  /** Loadable model directories, sorted by name. */
  readonly models: ModelSource[];
  /** Names found in more than one repository. */
  readonly duplicates: DuplicateModel[];
  /** Directories skipped because their names are not valid model names. */
  readonly invalid: InvalidModelDirectory[];
}

/**
 * Lists the model directories of every repository root. Hidden entries are skipped, and so
 * are directories whose names are not valid model names (reported in `invalid`).
 * @throws Error when a root does not exist or is not a directory
 */
export async function scanRepositories(roots: readonly string[]): Promise<RepositoryScan> {
  const byName = new Map<string, ModelSource[]>();
  const invalid: InvalidModelDirectory[] = [];
  for (const root of roots) {
    const abs = resolve(root);
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch (err) {
      throw new Error(`Cannot read model repository '${root}': ${(err as Error).message}`);
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const dir = join(abs, entry.name);
      const isDir = entry.isDirectory() || (entry.isSymbolicLink() && (await isDirectory(dir)));
      if (!isDir) continue;
      const problem = modelNameProblem(entry.name);
      if (problem !== null) {
        invalid.push({ name: entry.name, problem });
        continue;
      }
      const list = byName.get(entry.name) ?? [];
      list.push({ name: entry.name, repository: abs, dir });
      byName.set(entry.name, list);
    }
  }
  const models: ModelSource[] = [];
  const duplicates: DuplicateModel[] = [];
  for (const [name, sources] of [...byName.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    if (sources.length === 1) models.push(sources[0]!);
    else duplicates.push({ name, repositories: sources.map((s) => s.repository) });
  }
  return { models, duplicates, invalid };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false; // a dangling link
  }
}

/**
 * The numeric version directories of a model directory, ascending. Names that are not decimal
 * integers, or that start with '0', are ignored (as Triton does).
 */
export async function listVersions(modelDir: string): Promise<number[]> {
  const entries = await readdir(modelDir, { withFileTypes: true });
  const versions: number[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() && !entry.isSymbolicLink()) continue;
    if (!/^[1-9][0-9]*$/.test(entry.name)) continue;
    const v = Number(entry.name);
    if (Number.isSafeInteger(v)) versions.push(v);
  }
  return versions.sort((a, b) => a - b);
}

/** The versions a policy serves out of the available ones, ascending. */
export function selectVersions(available: readonly number[], policy: VersionPolicy): number[] {
  if (policy.all !== undefined) return [...available];
  if (policy.specific !== undefined) {
    const wanted = new Set(policy.specific.versions);
    return available.filter((v) => wanted.has(v));
  }
  const n = policy.latest?.num_versions ?? 1;
  return available.slice(Math.max(0, available.length - n));
}
