// repeat_int32: a decoupled JavaScript model. For each element i of IN it waits DELAY[i] ms and
// sends OUT = [IN[i]], IDX = [i]; then it waits WAIT[0] ms and sends the final flag.
// execute() returns at once: the responses are sent later, from timers, through each request's
// response sender, so one instance serves many streams at the same time.
import { createTensor, ModelError, toTypedArray } from 'nereid/backend';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends one request's responses, then the final flag. */
async function repeat(request) {
  const sender = request.responseSender();
  try {
    // Copy the inputs: their memory is only guaranteed until the final response.
    const values = Int32Array.from(toTypedArray(request.input('IN')));
    const delays = Uint32Array.from(toTypedArray(request.input('DELAY')));
    const wait = toTypedArray(request.input('WAIT'))[0] ?? 0;
    if (delays.length !== values.length) {
      throw new ModelError(
        `DELAY must have one element per element of IN (${values.length}): received ${delays.length}`,
        'INVALID_ARG',
      );
    }
    for (let i = 0; i < values.length; i++) {
      await sleep(delays[i]);
      sender.send([createTensor('OUT', 'INT32', [1], [values[i]]), createTensor('IDX', 'UINT32', [1], [i])]);
    }
    await sleep(wait);
    sender.send(null, { final: true });
  } catch (err) {
    if (!sender.closed) sender.send(err instanceof Error ? err : new Error(String(err)));
  }
}

export default class RepeatInt32 {
  /** @param {import('nereid/backend').ModelRequest[]} requests */
  execute(requests) {
    for (const request of requests) void repeat(request);
  }
}
