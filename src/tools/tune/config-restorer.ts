/**
 * Puts a running server's model back the way tune found it. Before the first candidate it records
 * whether the model was loaded and the config it served. Afterwards (after a run, an error or an
 * interrupt) it unloads a model that was not loaded, with the models loaded only as its
 * dependencies; otherwise it loads the model without overrides, which restores a config that
 * came from the repository, and when the served config still differs (the original came from an
 * earlier override) it loads that config as an override again. It checks the result and says
 * which way it went.
 */
import { internal } from '../../common/index.js';
import { type ConfigObject, differingFields, sameConfig } from './candidate-config.js';
import type { TuneControl } from './tune-control.js';

/** How the original was put back. */
export type RestoreOutcome = 'unchanged' | 'repository' | 'override' | 'unloaded';

/** A model's state before tune, and the way back to it. */
export class ConfigRestorer {
  private changed = false;

  private constructor(
    private readonly control: TuneControl,
    /** Model name. */
    readonly model: string,
    /** The config served before tune, or null when the model was not loaded. */
    readonly original: ConfigObject | null,
  ) {}

  /** Records the model's state; a model that is not ready counts as not loaded. */
  static async capture(control: TuneControl, model: string): Promise<ConfigRestorer> {
    const ready = await control.isModelReady(model).catch(() => false);
    const original = ready ? ((await control.modelConfig(model)) as ConfigObject) : null;
    return new ConfigRestorer(control, model, original);
  }

  /** Notes that tune loaded something (a candidate, or the model itself): restore has work to do. */
  markChanged(): void {
    this.changed = true;
  }

  /** Whether restore has work to do. */
  get pending(): boolean {
    return this.changed;
  }

  /** A sentence on an outcome, for the report. */
  static describe(model: string, outcome: RestoreOutcome): string {
    switch (outcome) {
      case 'unchanged':
        return `Model '${model}' was not changed`;
      case 'repository':
        return `Model '${model}' was reloaded from its repository config, as it was before`;
      case 'override':
        return `Model '${model}' was reloaded with the config override it had before`;
      case 'unloaded':
        return `Model '${model}' was unloaded, as it was before`;
    }
  }

  /**
   * Restores the recorded state (see the file header).
   * @throws ServerError INTERNAL (ERR_TUNE_RESTORE) when the served config still differs afterwards
   */
  async restore(): Promise<RestoreOutcome> {
    if (!this.changed) return 'unchanged';
    if (this.original === null) {
      // Models it loaded only as its dependencies (an ensemble's steps) were not loaded either.
      await this.control.unloadModel(this.model, { unloadDependents: true });
      this.changed = false;
      return 'unloaded';
    }
    await this.control.loadModel(this.model);
    if (sameConfig((await this.control.modelConfig(this.model)) as ConfigObject, this.original)) {
      this.changed = false;
      return 'repository';
    }
    await this.control.loadModel(this.model, { config: JSON.stringify(this.original) });
    const after = (await this.control.modelConfig(this.model)) as ConfigObject;
    if (!sameConfig(after, this.original)) {
      throw internal(
        'ERR_TUNE_RESTORE',
        `Could not restore the config of model '${this.model}': after loading its previous config as an override, fields still differ: ${differingFields(after, this.original).join(', ')}`,
      );
    }
    this.changed = false;
    return 'override';
  }
}
