/**
 * Worker-thread entry of the JavaScript backend (compiled to dist/src/backends/js/js-worker.js):
 * serves one model.js on the worker runtime (loadJsModel). Nothing else.
 */
import { serveWorker } from '../worker-runtime.js';
import { type JsWorkerOptions, loadJsModel } from './js-model-runtime.js';

serveWorker<JsWorkerOptions>(loadJsModel);
