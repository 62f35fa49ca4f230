/**
 * The SchedulerContext the scheduler harnesses (dynamic batcher, sequence batcher) build their
 * scheduler on: model "m" version 1 from config.pbtxt text, the test's own instances in a real
 * InstancePool, a fresh ModelReporter and a ManualClock. It builds no scheduler and no instances.
 */
import type { BackendInstance } from '../../../src/backends/backend.js';
import { ManualClock } from '../../../src/common/clock.js';
import { silentLogger } from '../../../src/common/logger.js';
import { parseModelConfig, validateModelConfig } from '../../../src/config/index.js';
import { InstancePool } from '../../../src/core/instance-pool.js';
import { ModelPlan } from '../../../src/core/model-plan.js';
import { ModelReporter } from '../../../src/core/model-reporter.js';
import type { RequestObserver } from '../../../src/core/request-observer.js';
import type { SchedulerContext } from '../../../src/core/scheduler.js';

/** A SchedulerContext whose clock the test moves by hand. */
export interface TestSchedulerContext extends SchedulerContext {
  /** Time source, starting at 1 s. */
  readonly clock: ManualClock;
}

/**
 * The context of model "m" version 1 configured by `configText`, over `instances` (never
 * restarted), with a silent logger and `observer` as metrics hook (null = metrics off).
 */
export function testSchedulerContext(
  configText: string,
  instances: BackendInstance[],
  observer: RequestObserver | null,
): TestSchedulerContext {
  const config = validateModelConfig(parseModelConfig(configText), { modelName: 'm' });
  const clock = new ManualClock(1_000_000_000);
  return {
    modelName: 'm',
    versionString: '1',
    config,
    plan: new ModelPlan(config, new Map()),
    pool: new InstancePool(instances, () => Promise.reject(new Error('no restarts')), silentLogger),
    reporter: new ModelReporter({ modelName: 'm', versionString: '1', clock, observer }),
    clock,
    logger: silentLogger,
  };
}
