/**
 * Worker-thread entry of the JavaScript backend (compiled to dist/src/backends/js/js-worker.js):
 * runs one JsModelRuntime, which loads model.js and serves its executions. Nothing else.
 */
import { JsModelRuntime } from './js-model-runtime.js';

void new JsModelRuntime().start();
