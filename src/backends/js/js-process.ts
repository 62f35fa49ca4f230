/**
 * Child-process entry of the JavaScript backend (compiled to dist/src/backends/js/js-process.js),
 * used with process isolation: once the init message arrives (process-entry.ts), it runs the same
 * worker runtime and model loader a worker thread runs. Nothing else.
 */
import { serveInProcess } from '../process-entry.js';
import { serveWorker } from '../worker-runtime.js';
import { type JsWorkerOptions, loadJsModel } from './js-model-runtime.js';

serveInProcess(() => serveWorker<JsWorkerOptions>(loadJsModel));
