/**
 * The end of a tune run: the winner (or none) with its explanation and the recommended
 * config.pbtxt built on the repository's own file when there is one, then the table and the
 * recommendation on the console and the files asked for (JSON, CSV, HTML, the config, and the
 * repository's config.pbtxt with --write-config, whose folder is checked before measuring).
 */
import { writeFileSync } from 'node:fs';
import { invalidArg } from '../../common/index.js';
import type { ConfigObject } from './candidate-config.js';
import { type Constraints, chooseWinner } from './candidate-scoring.js';
import {
  findRepositoryModel,
  type RepositoryModel,
  recommendedConfigText,
  repositoryConfigObject,
  writeRepositoryConfig,
} from './recommended-config.js';
import type { SearchSpace } from './search-space.js';
import { formatRecommendation } from './tune-console.js';
import { compareWithOriginal, explainNoWinner, explainWinner } from './tune-explanation.js';
import { tuneReportHtml } from './tune-html-report.js';
import type { ResolvedTuneOptions } from './tune-options.js';
import { type TuneReport, tuneReportJson } from './tune-report.js';
import { formatTuneTable, tuneReportCsv } from './tune-table.js';

/**
 * The model folder --write-config writes into (null without the flag).
 * @throws ServerError INVALID_ARG (ERR_TUNE_WRITE_CONFIG) when no given repository has the model
 */
export function writableModel(opts: ResolvedTuneOptions): RepositoryModel | null {
  if (!opts.writeConfig) return null;
  const found = findRepositoryModel(opts.modelRepositories, opts.model);
  if (found === null) {
    throw invalidArg(
      'ERR_TUNE_WRITE_CONFIG',
      `Cannot write the config of model '${opts.model}': no repository given with --model-repository has a folder of that name`,
    );
  }
  return found;
}

/** Fills the winner, the explanation and the recommended config of `report`. */
export function decideOutcome(
  opts: ResolvedTuneOptions,
  report: TuneReport,
  space: SearchSpace,
  c: Constraints,
  served: ConfigObject,
): void {
  report.winner = chooseWinner(report.results, opts.minGainPct);
  if (report.winner === null) {
    report.explanation = explainNoWinner(report.results);
    return;
  }
  report.explanation = explainWinner(report.results, report.winner, space, c, opts.minGainPct);
  const found =
    opts.modelRepositories.length > 0 ? findRepositoryModel(opts.modelRepositories, opts.model) : null;
  const base = found === null ? served : repositoryConfigObject(found);
  report.recommendedConfig = recommendedConfigText(
    base,
    report.results[report.winner]!.candidate,
    report.explanation,
    new Date(),
  );
}

/** Prints the table and the recommendation with `out` and writes the files asked for. */
export function writeOutcome(
  opts: ResolvedTuneOptions,
  report: TuneReport,
  out: (text: string) => void,
): void {
  out(`\n${formatTuneTable(report)}\n`);
  out(
    formatRecommendation(
      report,
      compareWithOriginal(report.results, report.winner, report.original, opts.percentile),
    ),
  );
  if (opts.jsonFile !== null) writeFileSync(opts.jsonFile, tuneReportJson(report));
  if (opts.csvFile !== null) writeFileSync(opts.csvFile, tuneReportCsv(report));
  if (opts.reportFile !== null) writeFileSync(opts.reportFile, tuneReportHtml(report));
  if (report.recommendedConfig === null) return;
  if (opts.outputConfigFile !== null) writeFileSync(opts.outputConfigFile, report.recommendedConfig);
  const found = writableModel(opts);
  if (found === null) return;
  if (report.winner === report.original) {
    out(`The original config is the one recommended: ${opts.model}/config.pbtxt left as it is\n`);
    return;
  }
  const backup = writeRepositoryConfig(found, report.recommendedConfig);
  out(
    `Wrote ${opts.model}/config.pbtxt${backup === null ? '' : ` (the previous one is kept as ${opts.model}/${backup})`}\n`,
  );
}
