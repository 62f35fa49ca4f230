// Copies non-TypeScript assets (the .proto files, the dashboard's page) next to the compiled JavaScript in dist/.
import { cpSync, existsSync, mkdirSync } from 'node:fs';

const pairs = [
  ['src/protocol/proto', 'dist/src/protocol/proto'],
  ['src/frontends/dashboard/page', 'dist/src/frontends/dashboard/page'],
];
for (const [from, to] of pairs) {
  if (!existsSync(from)) continue;
  mkdirSync(to, { recursive: true });
  cpSync(from, to, { recursive: true });
}
