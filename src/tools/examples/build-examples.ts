/**
 * `npm run examples`: writes the model files of the bundled example repository
 * (`node dist/src/tools/examples/build-examples.js [--out DIR]`, default
 * `<package root>/examples/model_repository` whatever the cwd). Only argument parsing and the
 * summary line live here; the work is buildExampleRepository's.
 */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildExampleRepository } from './example-repository.js';

export { buildExampleRepository } from './example-repository.js';

/** Runs the command line `argv` (without node and script); returns the process exit code. */
export function main(argv: readonly string[]): number {
  let outDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--out' && i + 1 < argv.length) outDir = resolve(argv[++i]!);
    else if (arg.startsWith('--out=')) outDir = resolve(arg.slice('--out='.length));
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write('Usage: build-examples [--out DIR]\n');
      return 0;
    } else {
      process.stderr.write(`Unknown argument "${arg}": allowed are --out DIR and --help\n`);
      return 2;
    }
  }
  try {
    const result = buildExampleRepository(outDir);
    process.stdout.write(
      `Example repository ${result.outDir}: ${result.written.length} written, ${result.unchanged.length} unchanged\n`,
    );
    for (const file of result.written) process.stdout.write(`  wrote ${file}\n`);
    for (const note of result.notes) process.stdout.write(`${note}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) process.exitCode = main(process.argv.slice(2));
