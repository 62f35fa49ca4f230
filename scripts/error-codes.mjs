// Regenerates docs/errors.md from the source: every `ERR_*` code the server can raise, with its
// Triton status, an example message and the files that raise it. Run: `npm run docs:errors`.
// test/unit/docs/error-codes.test.ts fails when a code in src/ is missing from the document.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
/** Node's own error codes the source compares against; not raised by Nereid. */
const NODE_CODES = new Set(['ERR_BUFFER_TOO_LARGE']);

const HELPERS = {
  invalidArg: 'INVALID_ARG',
  notFound: 'NOT_FOUND',
  internal: 'INTERNAL',
  unavailable: 'UNAVAILABLE',
  unsupported: 'UNSUPPORTED',
  cancelled: 'CANCELLED',
  invalidConfig: 'INVALID_ARG',
  configSyntaxError: 'INVALID_ARG',
};

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Codes behind named constants such as `ProtocolErrorCode.INPUT_SHAPE`. */
function constants(sources) {
  const map = new Map();
  for (const text of sources.values()) {
    for (const m of text.matchAll(/(?:^|\s)([A-Z][A-Z0-9_]*):\s*'(ERR_[A-Z0-9_]+)'/gm)) map.set(m[1], m[2]);
    for (const m of text.matchAll(/export const (ERR_[A-Z0-9_]+)\s*=\s*'(ERR_[A-Z0-9_]+)'/g))
      map.set(m[1], m[2]);
  }
  return map;
}

/** Every code literal in src/. */
export function collectCodes() {
  const sources = new Map(files(join(ROOT, 'src')).map((f) => [f, readFileSync(f, 'utf8')]));
  const named = constants(sources);
  const codes = new Map();
  const note = (code, status, message, file) => {
    const entry = codes.get(code) ?? { status: new Set(), message: '', files: new Set() };
    if (status) entry.status.add(status);
    if (message && !entry.message) entry.message = message;
    entry.files.add(relative(ROOT, file));
    codes.set(code, entry);
  };
  for (const [file, text] of sources) {
    const re = /(ERR_[A-Z0-9_]+)|\b([A-Za-z]+ErrorCode|ProtocolErrorCode)\.([A-Z0-9_]+)/g;
    for (const m of text.matchAll(re)) {
      let code = m[1];
      if (code === undefined) code = named.get(m[3]);
      if (code === undefined || !/^ERR_/.test(code) || NODE_CODES.has(code)) continue;
      const before = text.slice(Math.max(0, m.index - 200), m.index);
      const after = text.slice(m.index, m.index + 400);
      let status = /Status\.([A-Z_]+)\s*,\s*'?$/.exec(before)?.[1];
      if (!status) {
        const helper =
          /\b(invalidArg|notFound|internal|unavailable|unsupported|cancelled|invalidConfig|configSyntaxError)\(\s*'?$/.exec(
            before,
          );
        if (helper) status = HELPERS[helper[1]];
      }
      const m2 = /^[A-Za-z0-9_.]+'?\s*,\s*(?:`([^`]{8,200})|'([^'\n]{8,200})'|"([^"\n]{8,200})")/.exec(after);
      const msg = (m2?.[1] ?? m2?.[2] ?? m2?.[3] ?? '').replace(/\s+/g, ' ').slice(0, 160);
      note(code, status, msg, file);
    }
  }
  return codes;
}

function render(codes) {
  const rows = [...codes.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  const lines = [
    '# Error codes',
    '',
    'Every error the server returns carries a Triton status (which fixes the HTTP and gRPC status) and a stable',
    "`ERR_*` code (in logs and in the client library's `InferenceServerError.code`). HTTP bodies are",
    '`{"error": "<message>"}`; gRPC errors carry the message as the status details.',
    '',
    '| status | HTTP | gRPC |',
    '|---|---|---|',
    '| INVALID_ARG | 400 | INVALID_ARGUMENT |',
    '| NOT_FOUND | 404 | NOT_FOUND |',
    '| UNAVAILABLE | 503 (+ `Retry-After` on overload) | UNAVAILABLE |',
    '| UNSUPPORTED | 501 | UNIMPLEMENTED |',
    '| INTERNAL | 500 | INTERNAL |',
    '| ALREADY_EXISTS, CANCELLED, UNKNOWN | 400 | ALREADY_EXISTS, CANCELLED, UNKNOWN |',
    '',
    'This table is generated from the source by `npm run docs:errors`; the message column shows the start of one',
    'message the code is raised with (template parts are filled in at run time).',
    '',
    '| code | status | example message | raised in |',
    '|---|---|---|---|',
  ];
  for (const [code, e] of rows) {
    const status = [...e.status].sort().join(', ') || '(varies)';
    const msg = e.message.replace(/\|/g, '\\|');
    lines.push(
      `| \`${code}\` | ${status} | ${msg} | ${[...e.files]
        .sort()
        .map((f) => `\`${f}\``)
        .join(', ')} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

if (process.argv[1]?.endsWith('error-codes.mjs')) {
  const codes = collectCodes();
  writeFileSync(join(ROOT, 'docs/errors.md'), render(codes));
  process.stdout.write(`docs/errors.md: ${codes.size} codes\n`);
}
