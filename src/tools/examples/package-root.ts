/**
 * Finds the root of the installed nereid package (the folder whose package.json is named
 * "nereid") by walking up from this module, so tools resolve bundled files such as
 * `examples/model_repository` the same way from src/ (tests), dist/ (npm scripts) or any cwd.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { internal } from '../../common/index.js';

let cached: string | undefined;

/** Absolute path of the nereid package root; throws ERR_PACKAGE_ROOT if none is found above this module */
export function packageRoot(): string {
  if (cached !== undefined) return cached;
  const start = dirname(fileURLToPath(import.meta.url));
  let dir = start;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && readPackageName(manifest) === 'nereid') return (cached = dir);
    const parent = dirname(dir);
    if (parent === dir) {
      throw internal('ERR_PACKAGE_ROOT', `Cannot find the nereid package root above "${start}"`);
    }
    dir = parent;
  }
}

function readPackageName(manifest: string): string | undefined {
  try {
    const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown };
    return typeof parsed.name === 'string' ? parsed.name : undefined;
  } catch {
    return undefined;
  }
}
