// Rewrites imports to follow DESIGN.md §2, mechanically and re-runnably (run it again after a
// merge): an import that reaches into another folder of src/ is pointed at that folder's index.ts,
// and the names it takes are added to the index (and to nested indexes on the way) when missing;
// an import of a file listed in MOVED_FILES is pointed at the file's new place (src/, test/ and
// bench/). Worker-loaded files keep their deep value imports (see scripts/import-rules.mjs).
// Then `biome check --write` formats and merges what changed. It never edits anything but import
// and export-from declarations, and the export lists of index.ts files.
//   node scripts/fix-imports.mjs            rewrite
//   node scripts/fix-imports.mjs --check    list what it would rewrite; exit 1 when anything
//   node scripts/fix-imports.mjs --moved    only follow MOVED_FILES
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import ts from 'typescript';
import {
  entryFolderOf,
  entryFolders,
  MOVED_FILES,
  ROOT,
  resolveSpecifier,
  workerModules,
} from './import-rules.mjs';

const check = process.argv.includes('--check');
const movedOnly = process.argv.includes('--moved');
const folders = entryFolders();
const workers = new Set(workerModules());

/** Repository-relative .ts files under `dir`. */
function tsFiles(dir) {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = posix.join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return tsFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** The specifier that names repository file `to` from file `from` (`.ts` written `.js`). */
function specifierOf(from, to) {
  const rel = posix.relative(posix.dirname(from), to.replace(/\.ts$/, '.js'));
  return rel.startsWith('.') ? rel : `./${rel}`;
}

const sourceFiles = ['src', 'test', 'bench'].flatMap(tsFiles);
const program = ts.createProgram(
  sourceFiles.filter((f) => f.startsWith('src/')).map((f) => join(ROOT, f)),
  {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowJs: false,
    noEmit: true,
    skipLibCheck: true,
  },
);
const checker = program.getTypeChecker();

/** Export names of a source file: name → resolved symbol. */
function exportsOf(file) {
  const source = program.getSourceFile(join(ROOT, file));
  const moduleSymbol = source === undefined ? undefined : checker.getSymbolAtLocation(source);
  const map = new Map();
  if (moduleSymbol === undefined) return map;
  for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
    map.set(symbol.name, symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);
  }
  return map;
}

/** Export lines added to each index.ts in this run: index file → lines. */
const addedExports = new Map();
/** Names added to each index in this run, so a second import of the same name adds nothing. */
const addedNames = new Map();
const problems = [];

/**
 * Makes `folder`/index.ts export `name` of file `target` (inside `folder`), through the nested
 * indexes between them; returns false (and records why) when the index exports another symbol
 * under that name.
 */
function ensureExported(folder, name, target) {
  const index = `${folder}/index.ts`;
  const added = addedNames.get(index) ?? new Set();
  if (added.has(name)) return true;
  const wanted = exportsOf(target).get(name);
  if (wanted === undefined) {
    problems.push(`${target} does not export '${name}'`);
    return false;
  }
  const present = exportsOf(index).get(name);
  if (present !== undefined) {
    if (present === wanted) return true;
    problems.push(`${index} already exports another '${name}': import it from ${target} by hand`);
    return false;
  }
  // The path from the folder to the target: through the next nested index, if there is one.
  const rest = target.slice(folder.length + 1).split('/');
  let via = target;
  if (rest.length > 1) {
    const nested = `${folder}/${rest[0]}`;
    if (folders.includes(nested)) {
      if (!ensureExported(nested, name, target)) return false;
      via = `${nested}/index.ts`;
    }
  }
  const typeOnly = (wanted.flags & ts.SymbolFlags.Value) === 0;
  const line = `export ${typeOnly ? 'type ' : ''}{ ${name} } from '${specifierOf(index, via)}';`;
  addedExports.set(index, [...(addedExports.get(index) ?? []), line]);
  added.add(name);
  addedNames.set(index, added);
  return true;
}

/** Whether every name of an import/export declaration is a type (TypeScript erases it). */
function isTypeOnly(node) {
  if (ts.isImportDeclaration(node)) {
    const clause = node.importClause;
    if (clause === undefined) return false;
    if (clause.isTypeOnly) return true;
    const bindings = clause.namedBindings;
    return (
      clause.name === undefined &&
      bindings !== undefined &&
      ts.isNamedImports(bindings) &&
      bindings.elements.length > 0 &&
      bindings.elements.every((e) => e.isTypeOnly)
    );
  }
  if (node.isTypeOnly) return true;
  const clause = node.exportClause;
  return (
    clause !== undefined &&
    ts.isNamedExports(clause) &&
    clause.elements.length > 0 &&
    clause.elements.every((e) => e.isTypeOnly)
  );
}

/** The exported names a declaration takes from its module, or null when it cannot be listed. */
function namesOf(node) {
  if (ts.isImportDeclaration(node)) {
    const clause = node.importClause;
    if (clause === undefined || clause.name !== undefined) return null;
    const bindings = clause.namedBindings;
    if (bindings === undefined || !ts.isNamedImports(bindings)) return null;
    return bindings.elements.map((e) => (e.propertyName ?? e.name).text);
  }
  const clause = node.exportClause;
  if (clause === undefined || !ts.isNamedExports(clause)) return null;
  return clause.elements.map((e) => (e.propertyName ?? e.name).text);
}

/** Rewrites an all-types declaration `import { type A, type B }` as `import type { A, B }`. */
function hoistTypeKeyword(text) {
  const body = text.replace(/\btype\s+(?=[A-Za-z_$])/g, '');
  return body.replace(/^(import|export)\s+/, '$1 type ');
}

const rewrites = [];
const changed = new Set();

for (const file of sourceFiles) {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const edits = [];
  for (const node of source.statements) {
    if (!(ts.isImportDeclaration(node) || ts.isExportDeclaration(node))) continue;
    const spec = node.moduleSpecifier;
    if (spec === undefined || !ts.isStringLiteral(spec) || !spec.text.startsWith('.')) continue;
    let target = resolveSpecifier(file, spec.text);
    let moved = false;
    if (target === null) {
      const old = posix.normalize(posix.join(posix.dirname(file), spec.text)).replace(/\.js$/, '.ts');
      if (MOVED_FILES[old] === undefined) continue;
      target = MOVED_FILES[old];
      moved = true;
    }
    let replacement = moved ? specifierOf(file, target) : null;
    let declaration = null;
    const inSrc = !movedOnly && file.startsWith('src/') && target.startsWith('src/');
    const folder = inSrc ? entryFolderOf(file, target, folders) : null;
    const typeOnly = isTypeOnly(node);
    const workerKeepsDeep = workers.has(file) && !typeOnly;
    if (folder !== null && target !== `${folder}/index.ts` && !workerKeepsDeep) {
      const names = namesOf(node);
      if (names === null) {
        problems.push(
          `${file}: '${node.getText(source).split('\n')[0]}' takes no list of names; point it at ${folder}/index.ts by hand`,
        );
      } else if (names.every((name) => ensureExported(folder, name, target))) {
        replacement = specifierOf(file, `${folder}/index.ts`);
        const whole = node.getText(source);
        if (typeOnly && !(ts.isImportDeclaration(node) ? node.importClause.isTypeOnly : node.isTypeOnly)) {
          declaration = hoistTypeKeyword(whole);
        }
      }
    }
    if (replacement === null || replacement === spec.text) continue;
    rewrites.push(`${file}: '${spec.text}' → '${replacement}'`);
    if (declaration !== null) {
      const newText = declaration
        .replace(`'${spec.text}'`, `'${replacement}'`)
        .replace(`"${spec.text}"`, `'${replacement}'`);
      edits.push({ start: node.getStart(source), end: node.getEnd(), text: newText });
    } else {
      edits.push({ start: spec.getStart(source), end: spec.getEnd(), text: `'${replacement}'` });
    }
  }
  if (edits.length === 0 || check) continue;
  let next = text;
  for (const edit of edits.sort((a, b) => b.start - a.start)) {
    next = next.slice(0, edit.start) + edit.text + next.slice(edit.end);
  }
  writeFileSync(join(ROOT, file), next);
  changed.add(file);
}

for (const [index, lines] of addedExports) {
  rewrites.push(`${index}: + ${lines.join(' ')}`);
  if (check) continue;
  const text = readFileSync(join(ROOT, index), 'utf8');
  writeFileSync(join(ROOT, index), `${text.trimEnd()}\n${lines.join('\n')}\n`);
  changed.add(index);
}

for (const line of rewrites) console.log(line);
for (const line of problems) console.error(`left as is: ${line}`);
if (check) {
  console.log(`${rewrites.length} rewrites pending`);
  process.exit(rewrites.length > 0 ? 1 : 0);
}
if (changed.size > 0) {
  // Merges the imports that now name the same index and sorts the index export lists.
  execFileSync(
    join(ROOT, 'node_modules/.bin/biome'),
    ['check', '--write', ...[...changed].map((f) => join(ROOT, f))],
    {
      stdio: 'inherit',
    },
  );
}
console.log(`${rewrites.length} rewrites in ${changed.size} files`);
