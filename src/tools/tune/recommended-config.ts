/**
 * The winner as config.pbtxt text, and --write-config: the model's folder is found in the given
 * repositories (the name checked as a model name, the folder confined to its repository after
 * realpath), the recommended text is built from the repository's own config.pbtxt (so its
 * fields, and what it leaves to auto-complete, stay as written) or from the served config, and
 * the file is replaced atomically after the old one is kept as config.pbtxt.bak (.bak.1, ...).
 */
import { existsSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { checkModelName, internal, invalidArg } from '../../common/index.js';
import { formatTextProto, type PartialModelConfig, parsePartialModelConfig } from '../../config/index.js';
import type { Candidate } from './candidate.js';
import { applyCandidate, type ConfigObject } from './candidate-config.js';

/** A model's folder in a repository. */
export interface RepositoryModel {
  /** The model folder (real path). */
  readonly dir: string;
  /** `<dir>/config.pbtxt`. */
  readonly configPath: string;
  /** The file's text, or null when the model has no config.pbtxt (auto-complete). */
  readonly text: string | null;
}

/** Most backups kept next to config.pbtxt (`.bak`, `.bak.1` ... `.bak.99`). */
const MAX_BACKUPS = 100;

/**
 * Finds `model` in the first repository that has it, or null.
 * @throws ServerError INVALID_ARG for a bad model name or a folder that leaves its repository
 */
export function findRepositoryModel(repositories: readonly string[], model: string): RepositoryModel | null {
  checkModelName(model);
  for (const repository of repositories) {
    if (!existsSync(join(repository, model))) continue;
    const root = realpathSync(repository);
    const dir = realpathSync(join(repository, model));
    if (!dir.startsWith(root + sep) || !statSync(dir).isDirectory()) {
      throw invalidArg(
        'ERR_TUNE_WRITE_CONFIG',
        `Model folder '${model}' is not a directory inside its repository: it cannot be tuned in place`,
      );
    }
    const configPath = join(dir, 'config.pbtxt');
    return { dir, configPath, text: existsSync(configPath) ? readFileSync(configPath, 'utf8') : null };
  }
  return null;
}

/** The recommended config.pbtxt: `why` as a comment, then `base` with the winner's settings. */
export function recommendedConfigText(
  base: ConfigObject,
  winner: Candidate,
  why: string,
  date: Date,
): string {
  const header = [
    `# Tuned by nereid tune on ${date.toISOString().slice(0, 10)}.`,
    ...wrap(why, 96).map((line) => `# ${line}`),
  ].join('\n');
  return `${header}\n${formatTextProto(applyCandidate(base, winner) as PartialModelConfig)}`;
}

/** The config text of a repository model parsed into its partial form (what the file itself says). */
export function repositoryConfigObject(found: RepositoryModel): ConfigObject {
  return (found.text === null ? {} : parsePartialModelConfig(found.text, 'config.pbtxt')) as ConfigObject;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

function backupPath(configPath: string): string {
  for (let i = 0; i < MAX_BACKUPS; i++) {
    const path = i === 0 ? `${configPath}.bak` : `${configPath}.bak.${i}`;
    if (!existsSync(path)) return path;
  }
  throw internal(
    'ERR_TUNE_CONFIG_BACKUP',
    `Cannot keep a backup of config.pbtxt: ${MAX_BACKUPS} backups (config.pbtxt.bak ... .bak.${MAX_BACKUPS - 1}) exist already; remove old ones`,
  );
}

/** Writes `text` as the model's config.pbtxt, keeping the old file; returns the backup's name or null. */
export function writeRepositoryConfig(found: RepositoryModel, text: string): string | null {
  let backup: string | null = null;
  if (found.text !== null) {
    backup = backupPath(found.configPath);
    writeFileSync(backup, found.text, { flag: 'wx' });
  }
  const temp = `${found.configPath}.tune-${process.pid}.tmp`;
  writeFileSync(temp, text, { flag: 'wx' });
  renameSync(temp, found.configPath);
  return backup === null ? null : backup.slice(found.dir.length + 1);
}
