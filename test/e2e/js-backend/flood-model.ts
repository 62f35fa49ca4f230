/**
 * `flood`: a decoupled JavaScript test model that answers one request with X[0] responses of one
 * 64 KiB BYTES element each (T), 20 per event-loop turn, then the final flag: enough bytes to find
 * out what a server does with a client that stops reading.
 */
import { type JsModelSource, jsConfig, tensorEntry } from './js-repository.js';

/** Bytes of each response's one BYTES element. */
export const FLOOD_ELEMENT_BYTES = 65_536;

/** The flood model's config and source, for writeJsRepository. */
export const FLOOD_MODEL: JsModelSource = {
  config: jsConfig(
    'flood',
    0,
    `input [ ${tensorEntry('X', 'TYPE_INT32', '1')} ]
output [ ${tensorEntry('T', 'TYPE_STRING', '1')} ]`,
    'model_transaction_policy { decoupled: true }',
  ),
  source: `import { createTensor, toTypedArray } from '__API__';
const TEXT = 'y'.repeat(${FLOOD_ELEMENT_BYTES});
export default class Flood {
  execute(requests) {
    for (const r of requests) {
      const sender = r.responseSender();
      const total = toTypedArray(r.input('X'))[0];
      let sent = 0;
      const burst = () => {
        for (let k = 0; k < 20 && sent < total; k++, sent++) sender.send([createTensor('T', 'BYTES', [1], [TEXT])]);
        if (sent < total) setImmediate(burst);
        else sender.send(null, { final: true });
      };
      burst();
    }
  }
}
`,
};
