/**
 * Maps a request path to one of Triton's HTTP routes (server `http_server.cc` route table), to
 * one of the OpenAI-compatible routes under `/v1/`, or to Nereid's dashboard (every path under
 * `/dashboard`, whose files the dashboard resolves from its own allow-list), with its captured
 * model name and version, and files each route under a restricted-API category. Query strings
 * are ignored. It decides the route only; the method and restriction checks and the handling are
 * the frontend's.
 */
import type { ApiCategory } from '../access/index.js';

/** Route kinds, one per endpoint family; the OpenAI ones (`/v1/`) come last, from OPENAI_MODELS on. */
export const RouteKind = {
  NOT_FOUND: 0,
  HEALTH_LIVE: 1,
  HEALTH_READY: 2,
  SERVER_METADATA: 3,
  MODEL_METADATA: 4,
  MODEL_READY: 5,
  MODEL_CONFIG: 6,
  MODEL_STATS: 7,
  ALL_STATS: 8,
  INFER: 9,
  GENERATE: 10,
  GENERATE_STREAM: 11,
  TRACE: 12,
  REPOSITORY_INDEX: 13,
  REPOSITORY_LOAD: 14,
  REPOSITORY_UNLOAD: 15,
  SYSTEM_SHM: 16,
  CUDA_SHM: 17,
  LOGGING: 18,
  DASHBOARD: 19,
  OPENAI_MODELS: 20,
  OPENAI_MODEL: 21,
  OPENAI_COMPLETIONS: 22,
  OPENAI_CHAT_COMPLETIONS: 23,
} as const;

/** A route kind. */
export type RouteKind = (typeof RouteKind)[keyof typeof RouteKind];

/**
 * The restricted-API category of each route kind (index = RouteKind), as Triton's http_server.cc
 * files them; the OpenAI routes as Triton's OpenAI frontend does (completions are inference,
 * `/v1/models` is model-repository).
 */
export const ROUTE_CATEGORY: readonly (ApiCategory | null)[] = [
  null, // NOT_FOUND
  'health', // HEALTH_LIVE
  'health', // HEALTH_READY
  'metadata', // SERVER_METADATA
  'metadata', // MODEL_METADATA
  'health', // MODEL_READY
  'model-config', // MODEL_CONFIG
  'statistics', // MODEL_STATS
  'statistics', // ALL_STATS
  'inference', // INFER
  'inference', // GENERATE
  'inference', // GENERATE_STREAM
  'trace', // TRACE
  'model-repository', // REPOSITORY_INDEX
  'model-repository', // REPOSITORY_LOAD
  'model-repository', // REPOSITORY_UNLOAD
  'shared-memory', // SYSTEM_SHM
  'shared-memory', // CUDA_SHM
  'logging', // LOGGING
  'statistics', // DASHBOARD: Nereid's live view of the statistics (docs/dashboard.md)
  'model-repository', // OPENAI_MODELS
  'model-repository', // OPENAI_MODEL
  'inference', // OPENAI_COMPLETIONS
  'inference', // OPENAI_CHAT_COMPLETIONS
];

/** A matched route. */
export interface Route {
  /** What the path addresses. */
  kind: RouteKind;
  /** Model name (decoded), or ''. */
  model: string;
  /** Version from `/versions/{v}`, or ''. */
  version: string;
  /** Methods the route accepts. */
  methods: readonly string[];
}

const GET = ['GET'] as const;
const POST = ['POST'] as const;
const GET_POST = ['GET', 'POST'] as const;

const MODEL_ROUTE =
  /^\/v2\/models\/([^/]+)(?:\/versions\/([0-9]+))?(?:\/(infer|generate|generate_stream|ready|config|stats|trace\/setting))?$/;
const REPOSITORY_ROUTE = /^\/v2\/repository(?:\/([^/]+))?\/(index|models\/([^/]+)\/(load|unload))$/;
const SHM_ROUTE =
  /^\/v2\/(systemsharedmemory|cudasharedmemory)(?:\/region\/([^/]+))?\/(status|register|unregister)$/;

const NOT_FOUND: Route = { kind: RouteKind.NOT_FOUND, model: '', version: '', methods: GET };

const MODEL_SUFFIX: Record<string, [RouteKind, readonly string[]]> = {
  infer: [RouteKind.INFER, POST],
  generate: [RouteKind.GENERATE, POST],
  generate_stream: [RouteKind.GENERATE_STREAM, POST],
  ready: [RouteKind.MODEL_READY, GET],
  config: [RouteKind.MODEL_CONFIG, GET],
  stats: [RouteKind.MODEL_STATS, GET],
  'trace/setting': [RouteKind.TRACE, GET_POST],
};

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** Matches `url` (path plus optional query) to a route. */
export function matchRoute(url: string): Route {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  switch (path) {
    case '/v2/health/live':
      return { kind: RouteKind.HEALTH_LIVE, model: '', version: '', methods: GET };
    case '/v2/health/ready':
      return { kind: RouteKind.HEALTH_READY, model: '', version: '', methods: GET };
    case '/v2':
    case '/v2/':
      return { kind: RouteKind.SERVER_METADATA, model: '', version: '', methods: GET };
    case '/v2/models/stats':
      return { kind: RouteKind.ALL_STATS, model: '', version: '', methods: GET };
    case '/v2/trace/setting':
      return { kind: RouteKind.TRACE, model: '', version: '', methods: GET_POST };
    case '/v2/logging':
      return { kind: RouteKind.LOGGING, model: '', version: '', methods: GET_POST };
  }
  if (path.startsWith('/v2/models/')) {
    const m = MODEL_ROUTE.exec(path);
    if (m === null) return NOT_FOUND;
    const model = decode(m[1]!);
    if (model === null) return NOT_FOUND;
    const version = m[2] ?? '';
    if (m[3] === undefined) return { kind: RouteKind.MODEL_METADATA, model, version, methods: GET };
    const [kind, methods] = MODEL_SUFFIX[m[3]]!;
    return { kind, model, version, methods };
  }
  if (path === '/dashboard' || path.startsWith('/dashboard/')) {
    return { kind: RouteKind.DASHBOARD, model: '', version: '', methods: GET };
  }
  if (path.startsWith('/v2/repository')) {
    const m = REPOSITORY_ROUTE.exec(path);
    if (m === null) return NOT_FOUND;
    if (m[2] === 'index') return { kind: RouteKind.REPOSITORY_INDEX, model: '', version: '', methods: POST };
    const model = decode(m[3]!);
    if (model === null) return NOT_FOUND;
    const kind = m[4] === 'load' ? RouteKind.REPOSITORY_LOAD : RouteKind.REPOSITORY_UNLOAD;
    return { kind, model, version: '', methods: POST };
  }
  if (path.startsWith('/v1/')) return matchOpenAiRoute(path);
  const shm = SHM_ROUTE.exec(path);
  if (shm !== null) {
    const kind = shm[1] === 'systemsharedmemory' ? RouteKind.SYSTEM_SHM : RouteKind.CUDA_SHM;
    return {
      kind,
      model: decode(shm[2] ?? '') ?? '',
      version: shm[3]!,
      methods: shm[3] === 'status' ? GET : POST,
    };
  }
  return NOT_FOUND;
}

/** The OpenAI-compatible routes (`/v1/...`). */
function matchOpenAiRoute(path: string): Route {
  switch (path) {
    case '/v1/models':
      return { kind: RouteKind.OPENAI_MODELS, model: '', version: '', methods: GET };
    case '/v1/completions':
      return { kind: RouteKind.OPENAI_COMPLETIONS, model: '', version: '', methods: POST };
    case '/v1/chat/completions':
      return { kind: RouteKind.OPENAI_CHAT_COMPLETIONS, model: '', version: '', methods: POST };
  }
  if (path.startsWith('/v1/models/')) {
    const model = decode(path.slice('/v1/models/'.length));
    if (model !== null && model !== '' && !model.includes('/')) {
      return { kind: RouteKind.OPENAI_MODEL, model, version: '', methods: GET };
    }
  }
  return NOT_FOUND;
}
