#!/usr/bin/env node
/**
 * The `nereid` command: dispatches to `serve` (the default, as tritonserver) and prints help.
 * Each subcommand lives in its own file; this file only routes and reports errors.
 */
import { NEREID_VERSION } from '../core/index.js';
import { FlagError } from './cli-flags.js';
import { optimizeCommand } from './optimize-command.js';
import { perfCommand } from './perf-command.js';
import { serveCommand } from './serve-command.js';
import { tuneCommand } from './tune-command.js';

const HELP = `nereid ${NEREID_VERSION} — an inference server that speaks Triton's protocol

Usage:
  nereid serve --model-repository DIR [options]   Serve a Triton model repository (the default command)
  nereid optimize <repo>/<model> --to V [options]  Write an fp16/int8/graph-optimised version, with accuracy and speed
  nereid perf -m MODEL [options]                  Measure throughput and latency like perf_analyzer (CSV, JSON, HTML)
  nereid tune -m MODEL [options]                  Choose instance count and batching by measurement, under a latency budget
  nereid --version                                Print the version
  nereid <command> --help                         Help for one command

Run 'nereid serve --help' for the server's flags.
`;

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(HELP);
    return first === undefined ? 1 : 0;
  }
  if (first === '--version') {
    process.stdout.write(`${NEREID_VERSION}\n`);
    return 0;
  }
  if (first === 'serve') return serveCommand(rest);
  if (first === 'optimize') return optimizeCommand(rest);
  if (first === 'perf') return perfCommand(rest);
  if (first === 'tune') return tuneCommand(rest);
  if (first.startsWith('-')) return serveCommand(argv);
  throw new FlagError(`Unknown command '${first}'; see 'nereid --help'`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof FlagError) process.stderr.write(`nereid: ${err.message}\n`);
    else process.stderr.write(`nereid: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(err instanceof FlagError ? 2 : 1);
  },
);
