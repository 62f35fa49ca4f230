// Copies non-TypeScript assets (the .proto files) next to the compiled JavaScript in dist/.
import { cpSync, existsSync, mkdirSync } from 'node:fs';

const pairs = [['src/protocol/proto', 'dist/src/protocol/proto']];
for (const [from, to] of pairs) {
  if (!existsSync(from)) continue;
  mkdirSync(to, { recursive: true });
  cpSync(from, to, { recursive: true });
}
