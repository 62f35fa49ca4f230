/**
 * Unit: a model's lifecycle state machine (ModelLifecycle's transition table) and ModelEntry's
 * named transitions over it: load, failed load, reload, unload, shutdown, and illegal
 * transitions rejected without changing anything.
 */
import { describe, expect, it } from 'vitest';
import { ServerError, Status } from '../../../src/common/errors.js';
import {
  type CompletedLoad,
  canTransition,
  ModelEntry,
  ModelLifecycle,
  type ModelState,
  type ModelTransition,
} from '../../../src/core/model-management/index.js';
import type { ModelVersion } from '../../../src/core/model-version.js';
import type { ModelConfig } from '../../../src/protocol/model-config.js';

function version(n: number): ModelVersion {
  return { version: n } as ModelVersion;
}

function completed(versions: ModelVersion[], dependencies: string[] = []): CompletedLoad {
  return {
    versions,
    source: { name: 'm', repository: '/repo', dir: '/repo/m' },
    config: { name: 'm' } as ModelConfig,
    fingerprint: { modelHash: 'h', versions: new Map([[1, 'v1']]) },
    overridden: false,
    staged: null,
    dependencies,
  };
}

/** The error `action` throws. */
function thrown(action: () => void): ServerError {
  try {
    action();
  } catch (err) {
    return err as ServerError;
  }
  throw new Error('Expected an error');
}

describe('ModelLifecycle', () => {
  it('allows exactly the transitions of the table from each state', () => {
    const states: ModelState[] = ['UNKNOWN', 'LOADING', 'READY', 'UNLOADING', 'UNAVAILABLE'];
    const transitions: ModelTransition[] = [
      'startLoad',
      'finishLoad',
      'fail',
      'startUnload',
      'finishUnload',
      'close',
    ];
    const allowed = Object.fromEntries(
      states.map((s) => [s, transitions.filter((t) => canTransition(s, t))]),
    );
    expect(allowed).toEqual({
      UNKNOWN: ['startLoad', 'fail'],
      LOADING: ['finishLoad', 'fail', 'finishUnload', 'close'],
      READY: ['finishLoad', 'startUnload', 'close'],
      UNLOADING: ['fail', 'finishUnload', 'close'],
      UNAVAILABLE: ['startLoad', 'fail', 'finishUnload', 'close'],
    });
  });

  it('rejects an illegal transition with INTERNAL ERR_MODEL_LIFECYCLE and keeps its state and reason', () => {
    const lifecycle = new ModelLifecycle('resnet');
    lifecycle.apply('fail', 'missing directory');
    const error = thrown(() => lifecycle.apply('finishLoad'));
    expect(error).toBeInstanceOf(ServerError);
    expect(error.status).toBe(Status.INTERNAL);
    expect(error.code).toBe('ERR_MODEL_LIFECYCLE');
    expect(error.message).toBe(
      "Model 'resnet' cannot finishLoad while UNAVAILABLE: allowed from LOADING, READY",
    );
    expect(lifecycle.state).toBe('UNAVAILABLE');
    expect(lifecycle.reason).toBe('missing directory');
  });

  it('keeps a reason only while UNAVAILABLE', () => {
    const lifecycle = new ModelLifecycle('m');
    lifecycle.apply('fail', 'bad config');
    expect([lifecycle.state, lifecycle.reason]).toEqual(['UNAVAILABLE', 'bad config']);
    lifecycle.apply('startLoad', 'ignored');
    expect([lifecycle.state, lifecycle.reason]).toEqual(['LOADING', '']);
  });
});

describe('ModelEntry transitions', () => {
  it('a first load goes UNKNOWN, LOADING, READY and a reload stays READY while it builds', () => {
    const entry = new ModelEntry('m');
    expect(entry.state).toBe('UNKNOWN');
    entry.startLoad();
    expect(entry.state).toBe('LOADING');
    entry.finishLoad(completed([version(1)], ['step']));
    expect([entry.state, entry.reason, entry.serving]).toEqual(['READY', '', true]);
    expect(entry.dependencies).toEqual(['step']);
    entry.startLoad();
    expect(entry.state).toBe('READY');
    const { retired } = entry.finishLoad(completed([version(2)]));
    expect(retired.map((v) => v.version)).toEqual([1]);
    expect(entry.state).toBe('READY');
  });

  it('a failed first load makes the model UNAVAILABLE with the error as reason, and a later load may still succeed', () => {
    const entry = new ModelEntry('m');
    entry.startLoad();
    expect(entry.failLoad("failed to load 'm': bad", null)).toBe(false);
    expect([entry.state, entry.reason]).toEqual(['UNAVAILABLE', "failed to load 'm': bad"]);
    entry.startLoad();
    entry.finishLoad(completed([version(1)]));
    expect([entry.state, entry.reason]).toEqual(['READY', '']);
  });

  it('a failed reload keeps the serving versions READY and remembers the fingerprint it failed on', () => {
    const entry = new ModelEntry('m');
    entry.startLoad();
    entry.finishLoad(completed([version(1)]));
    const failedOn = { modelHash: 'other', versions: new Map<number, string>() };
    entry.startLoad();
    expect(entry.failLoad('broken edit', failedOn)).toBe(true);
    expect([entry.state, entry.reason, entry.latest?.version]).toEqual(['READY', '', 1]);
    expect(entry.fingerprint).toBe(failedOn);
  });

  it('an unload goes READY, UNLOADING, UNAVAILABLE with its reason and forgets the last load', () => {
    const entry = new ModelEntry('m');
    entry.want();
    entry.markExplicit();
    entry.startLoad();
    entry.finishLoad(completed([version(1)], ['step']));
    entry.unwant();
    expect([entry.wanted, entry.explicit]).toEqual([false, false]);
    expect(entry.startUnload().map((v) => v.version)).toEqual([1]);
    expect([entry.state, entry.serving]).toEqual(['UNLOADING', false]);
    entry.finishUnload('unloaded');
    expect([entry.state, entry.reason]).toEqual(['UNAVAILABLE', 'unloaded']);
    expect([entry.source, entry.config, entry.fingerprint, entry.dependencies]).toEqual([
      null,
      null,
      null,
      [],
    ]);
  });

  it('unloading a model that never loaded leaves it UNKNOWN', () => {
    const entry = new ModelEntry('m');
    expect(entry.startUnload()).toEqual([]);
    entry.finishUnload('unloaded');
    expect([entry.state, entry.reason]).toEqual(['UNKNOWN', '']);
  });

  it('shutdown makes a serving or failed model UNAVAILABLE with its reason and leaves an untouched one UNKNOWN', () => {
    const serving = new ModelEntry('a');
    serving.startLoad();
    serving.finishLoad(completed([version(1)]));
    serving.startUnload();
    serving.close('server is stopping');
    expect([serving.state, serving.reason]).toEqual(['UNAVAILABLE', 'server is stopping']);
    const loading = new ModelEntry('b');
    loading.startLoad();
    loading.close('server is stopping');
    expect(loading.state).toBe('UNAVAILABLE');
    const untouched = new ModelEntry('c');
    untouched.close('server is stopping');
    expect(untouched.state).toBe('UNKNOWN');
  });

  it('rejects publishing a load the entry did not start, and serves nothing from it', () => {
    const entry = new ModelEntry('m');
    const error = thrown(() => entry.finishLoad(completed([version(1)])));
    expect(error.code).toBe('ERR_MODEL_LIFECYCLE');
    expect([entry.state, entry.serving, entry.source]).toEqual(['UNKNOWN', false, null]);
  });

  it('rejects a second start of a load while one is under way', () => {
    const entry = new ModelEntry('m');
    entry.startLoad();
    expect(thrown(() => entry.startLoad()).code).toBe('ERR_MODEL_LIFECYCLE');
    expect(entry.state).toBe('LOADING');
  });
});
