/**
 * Idempotent file writes for generated repositories: a file is written only when it is missing
 * or its bytes differ, so re-running a generator is fast and leaves timestamps alone. It does
 * not decide what to write.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Writes `data` to `path` (creating parent folders) unless the file already holds exactly it; true if written */
export function writeFileIfChanged(path: string, data: Uint8Array | string): boolean {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  if (sameBytes(path, bytes)) return false;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  return true;
}

function sameBytes(path: string, bytes: Uint8Array): boolean {
  try {
    if (statSync(path).size !== bytes.length) return false;
    return Buffer.from(readFileSync(path)).equals(bytes);
  } catch {
    return false; // missing or unreadable: (re)write it
  }
}
