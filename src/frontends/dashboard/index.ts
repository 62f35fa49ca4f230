/** The live dashboard at `/dashboard` on the HTTP port: page files, the sampler and the SSE feed. */
export * from './dashboard.js';
export * from './dashboard-assets.js';
export * from './dashboard-feed.js';
export * from './dashboard-frame.js';
export * from './dashboard-sampler.js';
export * from './histogram-window.js';
