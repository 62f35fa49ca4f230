/**
 * Replays the `deps` and `runtime` stages of the Dockerfile in a clean directory, as the image
 * build would run them: each stage's root file system is a folder, `COPY` copies from the build
 * context (this checkout) or from another stage, `ENV` and `WORKDIR` apply, and `RUN` runs only
 * the commands listed in ALLOWED_RUN (anything else would run on this machine, not in a
 * container, so an unknown one is refused). The `build` stage is not replayed: its file system is
 * this checkout after `npm run build && npm run examples`, which is what its RUN line produces.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { type DockerStage, envPairs, execForm, parseDockerfile, stageNamed } from './dockerfile.js';

/** The checkout: the build context, and the `build` stage's `/app`. */
export const REPO_ROOT = resolve(import.meta.dirname, '../..');

/** The only `RUN` commands replayed; the Dockerfile's must be one of these, character for character. */
export const ALLOWED_RUN: readonly string[] = ['npm ci --omit=dev --no-audit --no-fund'];

/** Where a stage's absolute paths live on this machine. */
export type StageRoot = (absolutePath: string) => string;

/** What a replayed stage leaves: its root, working directory, environment and start command. */
export interface ReplayedStage {
  /** Maps the stage's absolute paths to this machine's. */
  readonly root: StageRoot;
  /** The last `WORKDIR`, mapped. */
  readonly workdir: string;
  /** The stage's `ENV` values. */
  readonly env: Readonly<Record<string, string>>;
  /** `ENTRYPOINT` + `CMD` with `node` as this Node binary and absolute paths mapped. */
  readonly command: readonly string[];
  /** The `HEALTHCHECK` command, mapped the same way, or null. */
  readonly healthcheck: readonly string[] | null;
  /** Seconds each step took, by instruction, for the report. */
  readonly timings: readonly { step: string; seconds: number }[];
}

/** Reads the checkout's Dockerfile. */
export function readDockerfile(): DockerStage[] {
  return parseDockerfile(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'));
}

/** A stage root in `dir`: `/app/x` is `dir/app/x`. */
export function folderRoot(dir: string): StageRoot {
  return (p) => join(dir, p);
}

/** The `build` stage as this checkout: its `/app` is REPO_ROOT. */
export const buildStageRoot: StageRoot = (p) => {
  if (p !== '/app' && !p.startsWith('/app/')) {
    throw new Error(`The build stage is replayed as the checkout at /app: cannot map '${p}'`);
  }
  return join(REPO_ROOT, p.slice('/app'.length));
};

/**
 * Replays `stage` into `root`; `others` maps stage names to roots for `COPY --from`, and files
 * copied from a stage in `movable` are moved instead (that stage is thrown away afterwards). Runs
 * the allowed `RUN` commands with the stage's environment on top of this process's.
 */
export async function replayStage(
  stage: DockerStage,
  root: StageRoot,
  others: Readonly<Record<string, StageRoot>>,
  movable: ReadonlySet<string> = new Set(),
): Promise<ReplayedStage> {
  const env: Record<string, string> = {};
  const timings: { step: string; seconds: number }[] = [];
  let workdir = '/';
  let entrypoint: string[] = [];
  let cmd: string[] = [];
  let healthcheck: string[] | null = null;
  for (const ins of stage.instructions) {
    const started = performance.now();
    switch (ins.keyword) {
      case 'ENV':
        for (const [k, v] of envPairs(ins)) env[k] = v;
        break;
      case 'WORKDIR':
        workdir = resolve(workdir, ins.text);
        mkdirSync(root(workdir), { recursive: true });
        break;
      case 'COPY': {
        const from = ins.flags.from;
        const source: StageRoot = from === undefined ? (p) => join(REPO_ROOT, p) : others[from]!;
        if (source === undefined) throw new Error(`Dockerfile line ${ins.line}: no replayed stage '${from}'`);
        const parts = ins.text.split(/\s+/);
        const dest = resolve(workdir, parts.at(-1)!);
        const sources = parts.slice(0, -1);
        const intoDir = parts.at(-1)!.endsWith('/') || sources.length > 1;
        for (const src of sources) {
          const at = source(from === undefined ? src : resolve(workdir, src));
          const to = intoDir ? join(root(dest), basename(src)) : root(dest);
          copyInto(at, to, from !== undefined && movable.has(from));
        }
        break;
      }
      case 'RUN': {
        if (!ALLOWED_RUN.includes(ins.text)) {
          throw new Error(
            `Dockerfile line ${ins.line}: RUN '${ins.text}' is not replayed here: allowed are ${ALLOWED_RUN.join(', ')}`,
          );
        }
        await run(ins.text, root(workdir), env);
        break;
      }
      case 'ENTRYPOINT':
        entrypoint = execForm(ins);
        break;
      case 'CMD':
        cmd = execForm(ins);
        break;
      case 'HEALTHCHECK':
        healthcheck = execForm(ins);
        break;
      case 'USER':
      case 'EXPOSE':
        break;
      default:
        throw new Error(`Dockerfile line ${ins.line}: ${ins.keyword} is not replayed here`);
    }
    timings.push({
      step: `${ins.keyword} ${ins.text}`.slice(0, 60),
      seconds: (performance.now() - started) / 1000,
    });
  }
  const mapArgs = (args: readonly string[]) => args.map((a) => mapArg(a, root));
  return {
    root,
    workdir: root(workdir),
    env,
    command: mapArgs([...entrypoint, ...cmd]),
    healthcheck: healthcheck === null ? null : mapArgs(healthcheck),
    timings,
  };
}

/** The `deps` and `runtime` stages replayed under `dir`. */
export async function replayImage(dir: string): Promise<{ deps: ReplayedStage; runtime: ReplayedStage }> {
  const stages = readDockerfile();
  const depsRoot = folderRoot(join(dir, 'deps'));
  const deps = await replayStage(stageNamed(stages, 'deps'), depsRoot, {});
  const runtime = await replayStage(
    stageNamed(stages, 'runtime'),
    folderRoot(join(dir, 'runtime')),
    { deps: depsRoot, build: buildStageRoot },
    new Set(['deps']),
  );
  return { deps, runtime };
}

/** `node` becomes this Node binary; an absolute path (alone or after `=`) is mapped into the stage. */
function mapArg(arg: string, root: StageRoot): string {
  if (arg === 'node') return process.execPath;
  if (arg.startsWith('/')) return root(arg);
  const eq = /^(--[\w-]+=)(\/.*)$/.exec(arg);
  return eq === null ? arg : `${eq[1]}${root(eq[2]!)}`;
}

/** Copies (or moves) a file, or a directory with its contents, to `to`. */
function copyInto(from: string, to: string, move: boolean): void {
  if (!existsSync(from)) throw new Error(`COPY source '${relative(REPO_ROOT, from)}' does not exist`);
  mkdirSync(join(to, '..'), { recursive: true });
  if (move && !existsSync(to)) renameSync(from, to);
  else cpSync(from, to, { recursive: true });
}

function run(command: string, cwd: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('sh', ['-c', command], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`'${command}' exited with ${code}:\n${output.slice(-4000)}`));
    });
  });
}
