import { describe, expect, it } from 'vitest';
import { batchValues, int32s, sequenceHarness } from './sequence-harness.js';

describe('SequenceBatcher admission', () => {
  it('SequenceBatcher refuses a request without START for an unknown sequence with Triton text', () => {
    const h = sequenceHarness({ strategy: 'direct { }' });
    expect(() => h.send(7, 1)).toThrow(
      "inference request for sequence 7 to model 'm' must specify the START flag on the first request of the sequence",
    );
    const strings = sequenceHarness({ strategy: 'direct { }', corridType: 'TYPE_STRING' });
    expect(() => strings.send('abc', 1)).toThrow(/for sequence abc to model 'm' must specify the START flag/);
  });

  it('SequenceBatcher refuses sequence id 0 and the empty string', () => {
    const h = sequenceHarness({ strategy: 'direct { }' });
    const message = "inference request to model 'm' must specify a non-zero or non-empty correlation ID";
    expect(() => h.send(0, 1, { start: true })).toThrow(message);
    expect(() => h.send('', 1, { start: true })).toThrow(message);
  });

  it('SequenceBatcher refuses a string id that is not a number when CORRID is UINT64', () => {
    const h = sequenceHarness({ strategy: 'direct { }' });
    expect(() => h.send('abc', 1, { start: true })).toThrow(/CORRID control 'CORRID' is UINT64/);
    h.send('12', 1, { start: true });
    expect(batchValues(h.batches()[0]!, 'CORRID')).toEqual([12]);
  });
});

describe('SequenceBatcher direct strategy', () => {
  it('SequenceBatcher direct batches different sequences and sends empty slots with READY false', () => {
    const h = sequenceHarness({ strategy: 'direct { }' });
    h.send(1, 10, { start: true }); // runs alone on slot 0
    h.send(2, 20, { start: true }); // slot 1
    h.send(3, 30, { start: true }); // slot 2
    h.instances[0]!.finish();
    // Slots 1 and 2 run together next, slot 0 (sequence 1, nothing queued) as an empty row.
    h.instances[0]!.finish();
    h.send(3, 31);
    const [first, second, third] = h.batches();
    expect(batchValues(first!, 'INPUT')).toEqual([10]);
    expect(batchValues(second!, 'READY')).toEqual([0, 1, 1]);
    expect(batchValues(second!, 'INPUT').slice(1)).toEqual([20, 30]);
    // Third batch: rows 0..2, only slot 2 holds a request.
    expect(batchValues(third!, 'READY')).toEqual([0, 0, 1]);
    expect(batchValues(third!, 'START')).toEqual([0, 0, 0]);
    expect(batchValues(third!, 'CORRID')).toEqual([0, 0, 3]);
    expect(third!.batchSize).toBe(3);
  });

  it('SequenceBatcher direct never puts two requests of one sequence in a batch', () => {
    const h = sequenceHarness({ strategy: 'direct { }' });
    h.send(1, 1, { start: true });
    h.send(1, 2);
    h.send(1, 3, { end: true });
    h.send(2, 4, { start: true });
    expect(h.batches().length).toBe(1);
    h.instances[0]!.finish();
    h.instances[0]!.finish();
    h.instances[0]!.finish();
    const inputs = h.batches().map((b) => batchValues(b, 'INPUT'));
    expect(inputs).toEqual([[1], [2, 4], [3]]);
    expect(h.batches().map((b) => batchValues(b, 'END'))).toEqual([[0], [0, 0], [1]]);
    expect(h.sink.answers.map((a) => int32s(a.response!.outputs[0]!))).toEqual([[1], [2], [4], [3]]);
  });

  it('SequenceBatcher direct parks sequences in the backlog until a slot frees up', () => {
    const h = sequenceHarness({ strategy: 'direct { }', maxBatchSize: 1 });
    h.send(1, 1, { start: true });
    h.send(2, 2, { start: true, end: true }); // no slot: backlog
    h.instances[0]!.finish();
    expect(h.batches().length).toBe(1);
    h.send(1, 3, { end: true });
    h.instances[0]!.finish(); // sequence 1 ends: its slot goes to sequence 2
    h.instances[0]!.finish();
    expect(h.batches().map((b) => batchValues(b, 'CORRID'))).toEqual([[1], [1], [2]]);
    expect(h.batcher.sequenceCount).toBe(0);
  });

  it('SequenceBatcher direct waits for minimum_slot_utilization until the queue delay passes', () => {
    const h = sequenceHarness({
      strategy: 'direct { max_queue_delay_microseconds: 500 minimum_slot_utilization: 0.5 }',
      idleUs: 100_000,
    });
    h.send(1, 1, { start: true });
    expect(h.batches().length).toBe(0);
    h.timers.advanceUs(499);
    expect(h.batches().length).toBe(0);
    h.timers.advanceUs(1);
    expect(h.batches().length).toBe(1);
    h.instances[0]!.finish();
    h.send(1, 2);
    h.send(2, 3, { start: true }); // 2 of 4 slots ready = 0.5: runs at once
    expect(h.batches().map((b) => batchValues(b, 'INPUT'))).toEqual([[1], [2, 3]]);
  });
});

describe('SequenceBatcher oldest strategy', () => {
  it('SequenceBatcher oldest waits for the queue delay, then batches one request per sequence', () => {
    const h = sequenceHarness({
      strategy: 'oldest { max_candidate_sequences: 8 max_queue_delay_microseconds: 100 }',
      idleUs: 100_000,
    });
    h.send(1, 10, { start: true });
    h.send(1, 11);
    h.send(2, 20, { start: true });
    expect(h.batches().length).toBe(0);
    h.timers.advanceUs(100);
    expect(h.batches().map((b) => batchValues(b, 'INPUT'))).toEqual([[10, 20]]);
    expect(h.batches().map((b) => batchValues(b, 'CORRID'))).toEqual([[1, 2]]);
    h.instances[0]!.finish();
    h.timers.advanceUs(100);
    expect(h.batches().map((b) => batchValues(b, 'INPUT'))).toEqual([[10, 20], [11]]);
  });

  it('SequenceBatcher oldest sends a full preferred batch at once', () => {
    const h = sequenceHarness({
      strategy:
        'oldest { max_candidate_sequences: 8 preferred_batch_size: [ 4 ] max_queue_delay_microseconds: 100000 }',
      idleUs: 1_000_000,
    });
    for (let s = 1; s <= 3; s++) h.send(s, s, { start: true });
    expect(h.batches().length).toBe(0);
    h.send(4, 4, { start: true });
    expect(h.batches().map((b) => batchValues(b, 'INPUT'))).toEqual([[1, 2, 3, 4]]);
  });

  it('SequenceBatcher oldest pins each sequence to one instance and spreads sequences over instances', () => {
    const h = sequenceHarness({
      strategy: 'oldest { max_candidate_sequences: 4 }',
      instances: 2,
      idleUs: 100_000,
    });
    h.send(1, 1, { start: true });
    h.send(2, 2, { start: true });
    h.send(1, 3);
    h.send(2, 4);
    h.instances[0]!.finish();
    h.instances[1]!.finish();
    const corrids = h.instances.map((i) => i.batches.map((b) => batchValues(b, 'CORRID')));
    expect(corrids).toEqual([
      [[1], [1]],
      [[2], [2]],
    ]);
  });

  it('SequenceBatcher oldest limits live sequences to max_candidate_sequences per instance', () => {
    const h = sequenceHarness({ strategy: 'oldest { max_candidate_sequences: 2 }', idleUs: 100_000 });
    h.send(1, 1, { start: true });
    h.send(2, 2, { start: true });
    h.send(3, 3, { start: true }); // backlog: both candidates taken
    h.instances[0]!.finish(); // [1]
    h.instances[0]!.finish(); // [2]
    expect(h.batches().length).toBe(2);
    h.send(1, 4, { end: true });
    h.instances[0]!.finish(); // sequence 1 ends: sequence 3 gets its candidate slot
    expect(h.batches().map((b) => batchValues(b, 'CORRID'))).toEqual([[1], [2], [1], [3]]);
  });
});

describe('SequenceBatcher implicit state and expiry', () => {
  it('SequenceBatcher carries implicit state along batch axis 1 and never returns it to the client', () => {
    const h = sequenceHarness({ strategy: 'direct { }', state: true, idleUs: 100_000 });
    h.send(1, 5, { start: true }); // runs alone
    h.send(1, 2);
    h.send(2, 7, { start: true });
    h.instances[0]!.finish();
    h.send(1, 1);
    h.send(2, 1);
    h.instances[0]!.finish();
    const [first, second, third] = h.batches();
    expect(first!.inputs.find((t) => t.name === 'S')!.shape).toEqual([2, 1, 3]);
    expect(second!.inputs.find((t) => t.name === 'S')!.shape).toEqual([2, 2, 3]);
    // Sequence 1 starts from zeros, adds 5; sequence 2 starts from zeros in the same batch.
    expect(batchValues(second!, 'S')).toEqual([5, 5, 5, 0, 0, 0, 5, 5, 5, 0, 0, 0]);
    expect(batchValues(third!, 'S')).toEqual([7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7]);
    expect(third!.outputNames).toEqual(['OUTPUT', 'SN']);
    for (const a of h.sink.answers) expect(a.response!.outputs.map((o) => o.name)).toEqual(['OUTPUT']);
  });

  it('SequenceBatcher restarts the state of a sequence that sends START again', () => {
    const h = sequenceHarness({ strategy: 'direct { }', state: true, idleUs: 100_000 });
    h.send(1, 5, { start: true });
    h.instances[0]!.finish();
    h.send(1, 3, { start: true });
    expect(batchValues(h.batches()[1]!, 'S')).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('SequenceBatcher refuses implicit state when the backend says its instances do not carry it', () => {
    // The backend's capability flag decides, not its name: this config says backend "onnxruntime".
    expect(() => sequenceHarness({ strategy: 'direct { }', state: true, implicitState: false })).toThrow(
      "Model 'm': its backend does not carry implicit state between executions",
    );
    expect(() =>
      sequenceHarness({ strategy: 'direct { }', state: false, implicitState: false }),
    ).not.toThrow();
  });

  it('SequenceBatcher expires an idle sequence and says how long it was idle', () => {
    const h = sequenceHarness({ strategy: 'direct { }', maxBatchSize: 1, idleUs: 1000 });
    h.send(1, 1, { start: true });
    h.instances[0]!.finish();
    h.send(2, 2, { start: true }); // waits in the backlog for the only slot
    h.timers.advanceUs(999);
    expect(h.batches().length).toBe(1);
    h.timers.advanceUs(1); // sequence 1 expires: its slot goes to sequence 2
    expect(h.batches().map((b) => batchValues(b, 'CORRID'))).toEqual([[1], [2]]);
    h.timers.advanceUs(4000);
    expect(() => h.send(1, 3)).toThrow(
      "Sequence 1 of model 'm' expired after 1 ms without requests (max_sequence_idle_microseconds 1000)",
    );
  });

  it('SequenceBatcher does not expire a sequence while its request runs', () => {
    const h = sequenceHarness({ strategy: 'direct { }', idleUs: 1000 });
    h.send(1, 1, { start: true });
    h.timers.advanceUs(5000);
    h.instances[0]!.finish();
    h.timers.advanceUs(999);
    expect(() => h.send(1, 2)).not.toThrow();
  });

  it('SequenceBatcher keeps many interleaved sequences apart', () => {
    const h = sequenceHarness({
      strategy: 'oldest { max_candidate_sequences: 64 }',
      maxBatchSize: 8,
      idleUs: 1e9,
    });
    const sums = new Map<number, number>();
    for (let step = 0; step < 5; step++) {
      for (let s = 1; s <= 20; s++) h.send(s, s * 10 + step, { start: step === 0, end: step === 4 });
      while (h.instances[0]!.busy) h.instances[0]!.finish();
    }
    for (const b of h.batches()) {
      const ids = batchValues(b, 'CORRID');
      expect(new Set(ids).size).toBe(ids.length);
    }
    for (const a of h.sink.answers) {
      const seq = Number(a.request.parameters.sequence_id);
      sums.set(seq, (sums.get(seq) ?? 0) + int32s(a.response!.outputs[0]!)[0]!);
    }
    for (let s = 1; s <= 20; s++) expect(sums.get(s)).toBe(s * 50 + 10);
    expect(h.batcher.sequenceCount).toBe(0);
  });
});
