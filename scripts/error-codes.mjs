// Renders docs/errors.md from the error-code table (src/common/error-codes.ts, as compiled to
// dist/): every `ERR_*` code with its one Triton status and its description. Run: `npm run
// docs:errors` (builds first). test/unit/docs/error-codes.test.ts fails when the document is not
// the rendering of the table, or when a code is documented, defined or used on one side only.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;

/** Escapes a table cell (`<placeholders>` would otherwise read as HTML tags). */
function cell(text) {
  return text.replace(/\|/g, '\\|').replace(/</g, '&lt;');
}

/** The status column of one code: its status, or who chooses it for a relaying code. */
function statusCell(entry) {
  return entry.relays === undefined ? entry.status : `${entry.status}, or the status of ${entry.relays}`;
}

/** docs/errors.md for `table` (ERROR_CODES: code → { status, description, relays? }). */
export function renderErrorsDoc(table) {
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
    'Each code has one status. A few codes pass on a status that another party chose (a JavaScript',
    "model's ModelError, the server that answered a client call, a failed ensemble step); their row",
    'says whose. The description is a short text or the message template, `<placeholders>` filled in',
    'at run time.',
    '',
    'This page is generated from the table in `src/common/error-codes.ts` by `npm run docs:errors`; a new',
    'code goes into that table (`ServerError` does not compile with a code outside it).',
    '',
    '| code | status | description |',
    '|---|---|---|',
  ];
  for (const code of Object.keys(table).sort()) {
    const entry = table[code];
    lines.push(`| \`${code}\` | ${cell(statusCell(entry))} | ${cell(entry.description)} |`);
  }
  return `${lines.join('\n')}\n`;
}

if (process.argv[1]?.endsWith('error-codes.mjs')) {
  const { ERROR_CODES } = await import(join(ROOT, 'dist/src/common/error-codes.js'));
  writeFileSync(join(ROOT, 'docs/errors.md'), renderErrorsDoc(ERROR_CODES));
  process.stdout.write(`docs/errors.md: ${Object.keys(ERROR_CODES).length} codes\n`);
}
