/**
 * The state machine of one model name (Triton's model_lifecycle): the five states the repository
 * index reports, the transitions between them by name, and the table of which are legal. It holds
 * the state and its reason and nothing else; ModelEntry owns one and is the only caller, and the
 * manager decides when each transition happens.
 *
 *   UNKNOWN ──startLoad──> LOADING ──finishLoad──> READY ──startUnload──> UNLOADING
 *      │                      │                   │   ^ finishLoad (reload)    │
 *      └──fail──> UNAVAILABLE <┴──fail / close ────┘   └────────┘              │
 *                     │ ^ └──startLoad──> LOADING         UNAVAILABLE <──finishUnload / close
 */
import { ServerError, Status } from '../../common/index.js';

/** Model states as the repository index reports them. */
export type ModelState = 'UNKNOWN' | 'READY' | 'UNAVAILABLE' | 'LOADING' | 'UNLOADING';

/** The named transitions of a model's lifecycle. */
export type ModelTransition = 'startLoad' | 'finishLoad' | 'fail' | 'startUnload' | 'finishUnload' | 'close';

/**
 * Legal transitions: for each one, the states it may leave and the state it enters. A READY
 * model that fails to reload keeps serving and stays READY, so `fail` never leaves READY; a
 * shutdown (`close`) may interrupt a load, and a reload interrupted by a shutdown fails while
 * its old versions unload, so `close` leaves LOADING and `fail` leaves UNLOADING.
 */
const TRANSITIONS: Readonly<Record<ModelTransition, { from: readonly ModelState[]; to: ModelState }>> = {
  startLoad: { from: ['UNKNOWN', 'UNAVAILABLE'], to: 'LOADING' },
  finishLoad: { from: ['LOADING', 'READY'], to: 'READY' },
  fail: { from: ['UNKNOWN', 'LOADING', 'UNLOADING', 'UNAVAILABLE'], to: 'UNAVAILABLE' },
  startUnload: { from: ['READY'], to: 'UNLOADING' },
  finishUnload: { from: ['UNLOADING', 'LOADING', 'UNAVAILABLE'], to: 'UNAVAILABLE' },
  close: { from: ['LOADING', 'READY', 'UNLOADING', 'UNAVAILABLE'], to: 'UNAVAILABLE' },
};

/** Whether `transition` may leave `state`. */
export function canTransition(state: ModelState, transition: ModelTransition): boolean {
  return TRANSITIONS[transition].from.includes(state);
}

/** The state and reason of one model, changed only through named transitions. */
export class ModelLifecycle {
  /** Model name, for errors. */
  readonly name: string;
  private current: ModelState;
  private why: string;

  constructor(name: string) {
    this.name = name;
    this.current = 'UNKNOWN';
    this.why = '';
  }

  /** The state the index reports. */
  get state(): ModelState {
    return this.current;
  }

  /** Why the model is not READY ('' when it is, and while it loads or unloads). */
  get reason(): string {
    return this.why;
  }

  /**
   * Applies `transition`, entering its state with `reason` (only UNAVAILABLE keeps one).
   * @throws ServerError INTERNAL (ERR_MODEL_LIFECYCLE) when the transition may not leave the current state
   */
  apply(transition: ModelTransition, reason = ''): void {
    const { from, to } = TRANSITIONS[transition];
    if (!from.includes(this.current)) {
      throw new ServerError(
        Status.INTERNAL,
        'ERR_MODEL_LIFECYCLE',
        `Model '${this.name}' cannot ${transition} while ${this.current}: allowed from ${from.join(', ')}`,
      );
    }
    this.current = to;
    this.why = to === 'UNAVAILABLE' ? reason : '';
  }
}
