// simple_sequence: OUTPUT = (INPUT + START) * READY, one row per request of the batch. The
// sequence batcher adds the START and READY control inputs; an empty row (READY 0) gets 0.
import { createTensor, toTypedArray } from 'nereid/backend';

export default class SimpleSequence {
  /** @param {import('nereid/backend').ModelRequest[]} requests */
  execute(requests) {
    return requests.map((request) => {
      const input = toTypedArray(request.input('INPUT'))[0];
      const start = toTypedArray(request.input('START'))[0];
      const ready = toTypedArray(request.input('READY'))[0];
      return [createTensor('OUTPUT', 'INT32', [1, 1], [(input + start) * ready])];
    });
  }
}
