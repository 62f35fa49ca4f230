/** Network frontends over the core facade: KServe v2 HTTP (and, later, gRPC and metrics). */
export { HttpFrontend, type HttpFrontendOptions } from './http/http-frontend.js';
