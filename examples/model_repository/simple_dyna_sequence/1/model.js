// simple_dyna_sequence: OUTPUT = (INPUT + START + END * CORRID) * READY for each request. The
// sequence batcher adds START, END, READY and CORRID (the sequence id, UINT64); the result
// wraps to int32 like the C++ original.
import { createTensor, toTypedArray } from 'nereid/backend';

export default class SimpleDynaSequence {
  /** @param {import('nereid/backend').ModelRequest[]} requests */
  execute(requests) {
    return requests.map((request) => {
      const input = toTypedArray(request.input('INPUT'))[0];
      const start = toTypedArray(request.input('START'))[0];
      const end = toTypedArray(request.input('END'))[0];
      const ready = toTypedArray(request.input('READY'))[0];
      const corrid = Number(toTypedArray(request.input('CORRID'))[0]);
      return [createTensor('OUTPUT', 'INT32', [1, 1], [((input + start + end * corrid) * ready) | 0])];
    });
  }
}
