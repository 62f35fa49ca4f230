/**
 * Import rules of src/ (DESIGN.md §2), checked by `npm run boundaries` in `npm test`: the layer
 * order, "a folder is entered through its index.ts", no cycles (type imports included) and what a
 * worker thread may load. scripts/import-rules.mjs holds the facts shared with the rewrite
 * (scripts/fix-imports.mjs); the decision and its one exception are in
 * docs/adr/0020-import-boundaries.md; the rules no tool checks are in CONTRIBUTING.md.
 */
import { entryFolders, SEPARATE_ENTRIES, WORKER_ENTRY_POINTS, workerModules } from './scripts/import-rules.mjs';

/** Escapes a path for a regular expression, anchored at both ends. */
function exactly(path) {
  return `^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
}

/** Escapes a folder for a regular expression matching everything under it. */
function under(folder) {
  return `^${folder.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/`;
}

/** The layers of DESIGN.md §2: what each folder of src/ may import besides itself. cli/ imports anything. */
const LAYERS = {
  common: [],
  protocol: ['common'],
  config: ['common', 'protocol'],
  backends: ['common', 'protocol', 'config'],
  core: ['common', 'protocol', 'config', 'backends'],
  frontends: ['common', 'protocol', 'core'],
  client: ['common', 'protocol'],
  tools: ['common', 'protocol', 'config', 'client'],
};

const layerRules = Object.entries(LAYERS).map(([layer, may]) => ({
  name: `layer-${layer}`,
  comment: `src/${layer}/ imports only ${may.length === 0 ? 'node: and npm modules' : may.map((m) => `src/${m}/`).join(', ')} (DESIGN.md §2)`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: '^src/', pathNot: `^src/(${[layer, ...may].join('|')})/` },
}));

/*
 * The one exception to "a folder is entered through its index.ts": the files worker threads
 * evaluate (the run-time closure of the worker entry points, computed) keep their value imports of
 * common/, protocol/ and config/ files deep, so that a worker evaluates only what it runs rather
 * than every module of those folders. Their type imports, erased at run time, follow the rule.
 */
const workerFiles = workerModules().map(exactly);

const indexRules = entryFolders().flatMap((folder) => {
  // A separate entry inside the folder is entered through its own index.ts instead.
  const separate = SEPARATE_ENTRIES.filter((entry) => entry.startsWith(`${folder}/`)).map(under);
  const inner = { path: under(folder), pathNot: [exactly(`${folder}/index.ts`), ...separate] };
  const comment = `${folder}/ is entered through ${folder}/index.ts; files inside it import each other directly`;
  return [
    {
      name: 'enter-through-index',
      comment,
      severity: 'error',
      from: { path: '^src/', pathNot: [under(folder), ...workerFiles] },
      to: inner,
    },
    {
      name: 'enter-through-index-types',
      comment: `${comment} (type imports of worker-loaded files too)`,
      severity: 'error',
      from: { path: workerFiles, pathNot: under(folder) },
      to: { ...inner, dependencyTypes: ['type-only'] },
    },
  ];
});

export default {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycles, type imports included (DESIGN.md §2)',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'frontends-use-the-core-facade',
      comment: 'Frontends reach core only through src/core/index.ts, never its internals (DESIGN.md §2)',
      severity: 'error',
      from: { path: '^src/frontends/' },
      to: { path: '^src/core/', pathNot: '^src/core/index\\.ts$' },
    },
    {
      name: 'workers-load-no-scheduler',
      comment: 'A worker thread loads only backends/ and the layers below, never the scheduler (DESIGN.md §2)',
      severity: 'error',
      from: { path: WORKER_ENTRY_POINTS.map(exactly) },
      to: { path: '^src/(core|frontends|client|tools|cli)/', reachable: true },
    },
    ...indexRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.d.ts'],
    },
  },
};
