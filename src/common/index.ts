/** Shared building blocks with no dependencies inside src/: errors, clock, queues, logging. */
export * from './async-permits.js';
export * from './chart-js-file.js';
export * from './clock.js';
export * from './errors.js';
export * from './fixed-queue.js';
export * from './logger.js';
export * from './model-name.js';
export * from './rate-limited-log.js';
export * from './relative-path.js';
export * from './timer.js';
export * from './worker-url.js';
