/**
 * What the deployment tests share: where the files are, the arguments of the server container
 * parsed with `nereid serve`'s own flag table, and the metric names a Nereid process exports.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { type ParsedFlags, parseFlags } from '../../../src/cli/cli-flags.js';
import { SERVE_FLAGS } from '../../../src/cli/serve-command.js';
import { PrometheusObserver } from '../../../src/frontends/metrics/index.js';

/** The repository's deploy/ folder. */
export const DEPLOY_DIR = resolve(import.meta.dirname, '../../../deploy');

/** The YAML documents of a file under deploy/. */
export function readDeployYaml(path: string): Record<string, any>[] {
  return parseAllDocuments(readFileSync(join(DEPLOY_DIR, path), 'utf8'), { uniqueKeys: true }).map((d) => {
    if (d.errors.length > 0) throw new Error(`${path}: ${d.errors[0]!.message}`);
    return d.toJS() as Record<string, any>;
  });
}

/** `args` of a container that runs `nereid serve`, parsed as the server parses them (throws on a bad flag). */
export function serveFlags(args: readonly string[]): ParsedFlags {
  if (args[0] !== 'serve') throw new Error(`The container must run 'serve': args start with '${args[0]}'`);
  return parseFlags(args.slice(1), SERVE_FLAGS);
}

/** Names of every metric family a server with one loaded model renders. */
export async function exportedMetricNames(): Promise<Set<string>> {
  const observer = new PrometheusObserver({ metricsIntervalMs: 0 });
  try {
    const text = await observer.render([{ model: 'm', version: '1', pending: 0, executing: 0 }]);
    return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
  } finally {
    observer.close();
  }
}

/**
 * Gauges the LLM backend (issue 20, built separately) adds; docs/deploy.md names them as the
 * signals to scale LLM models on, so the autoscaling files may refer to them already.
 */
export const LLM_SCALING_GAUGES: readonly string[] = [
  'nereid_llm_requests_running',
  'nereid_llm_requests_waiting',
];
