/**
 * Child-process entry of the JavaScript backend (compiled to dist/src/backends/js/js-process.js),
 * used with process isolation: once the init message arrives (process-entry.ts), it runs the same
 * JsModelRuntime a worker thread runs. Nothing else.
 */
import { serveInProcess } from '../process-entry.js';
import { JsModelRuntime } from './js-model-runtime.js';

serveInProcess(() => void new JsModelRuntime().start());
