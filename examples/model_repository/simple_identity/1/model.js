// simple_identity: a JavaScript model that returns INPUT0 as OUTPUT0, unchanged.
// execute() receives the whole batch the dynamic batcher formed: one response per request.
import { renameTensor } from 'nereid/backend';

export default class SimpleIdentity {
  /** @param {import('nereid/backend').ModelRequest[]} requests */
  execute(requests) {
    return requests.map((request) => [renameTensor(request.input('INPUT0'), 'OUTPUT0')]);
  }
}
