// simple_string_dyna_sequence: one running sum per correlation id (a string). START sets the sum
// to INPUT, other requests add INPUT, END also adds the id read as a number; OUTPUT = the sum,
// wrapped to int32 (`| 0`) like its sibling simple_dyna_sequence and Triton's C++ original, so
// any INT32 inputs give an INT32 answer. The sum of a sequence is dropped at its END.
import { createTensor, stringElements, toTypedArray } from 'nereid/backend';

export default class SimpleStringDynaSequence {
  constructor() {
    /** @type {Map<string, number>} */
    this.sums = new Map();
  }

  /** @param {import('nereid/backend').ModelRequest[]} requests */
  execute(requests) {
    return requests.map((request) => {
      const ready = toTypedArray(request.input('READY'))[0];
      if (ready === 0) return [createTensor('OUTPUT', 'INT32', [1, 1], [0])];
      const input = toTypedArray(request.input('INPUT'))[0];
      const start = toTypedArray(request.input('START'))[0];
      const end = toTypedArray(request.input('END'))[0];
      const corrid = stringElements(request.input('CORRID'))[0];
      let sum = ((start === 1 ? 0 : (this.sums.get(corrid) ?? 0)) + input) | 0;
      if (end === 1) {
        const asNumber = Number(corrid);
        sum = (sum + (Number.isInteger(asNumber) ? asNumber : 0)) | 0;
        this.sums.delete(corrid);
      } else {
        this.sums.set(corrid, sum);
      }
      return [createTensor('OUTPUT', 'INT32', [1, 1], [sum])];
    });
  }
}
