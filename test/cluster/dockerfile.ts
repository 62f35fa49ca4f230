/**
 * Reads a conventional Dockerfile into stages of instructions, so a test can replay the steps of
 * the image build on this machine (no Docker engine runs here). It understands comments, `\`
 * continuations, `ARG` defaults substituted into `FROM`, and the JSON (exec) form of `CMD`,
 * `ENTRYPOINT` and `HEALTHCHECK ... CMD`; it runs nothing.
 */

/** One instruction: its keyword (upper case), `--flag=value` options and arguments. */
export interface DockerInstruction {
  /** `COPY`, `RUN`, `ENV`, ... */
  readonly keyword: string;
  /** Options written before the arguments (`--from=build`, `--interval=10s`), by name. */
  readonly flags: Readonly<Record<string, string>>;
  /** The text after the keyword and the options, continuations joined with a space. */
  readonly text: string;
  /** 1-based line of the keyword, for error messages. */
  readonly line: number;
}

/** One `FROM` stage and the instructions that follow it. */
export interface DockerStage {
  /** The name after `AS`, or the stage's index as a string. */
  readonly name: string;
  /** The base image, `ARG` defaults substituted. */
  readonly image: string;
  /** Instructions after `FROM`, in order. */
  readonly instructions: readonly DockerInstruction[];
}

/** Splits a Dockerfile into its stages. */
export function parseDockerfile(source: string): DockerStage[] {
  const args = new Map<string, string>();
  const stages: { name: string; image: string; instructions: DockerInstruction[] }[] = [];
  for (const { text, line } of logicalLines(source)) {
    const match = /^(\w+)\s*(.*)$/s.exec(text);
    if (match === null) throw new Error(`Dockerfile line ${line}: cannot read '${text}'`);
    const keyword = match[1]!.toUpperCase();
    const { flags, rest } = splitFlags(match[2]!);
    if (keyword === 'ARG' && stages.length === 0) {
      const [name, value = ''] = rest.split('=', 2);
      args.set(name!.trim(), value.trim());
      continue;
    }
    if (keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest.trim());
      if (from === null) throw new Error(`Dockerfile line ${line}: cannot read FROM '${rest}'`);
      const image = from[1]!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => args.get(a ?? b) ?? '');
      stages.push({ name: from[2] ?? String(stages.length), image, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined) throw new Error(`Dockerfile line ${line}: ${keyword} before the first FROM`);
    stage.instructions.push({ keyword, flags, text: rest.trim(), line });
  }
  return stages;
}

/** The stage named `name`; throws when the Dockerfile has none. */
export function stageNamed(stages: readonly DockerStage[], name: string): DockerStage {
  const stage = stages.find((s) => s.name === name);
  if (stage === undefined) {
    throw new Error(`Dockerfile has no stage '${name}': found ${stages.map((s) => s.name).join(', ')}`);
  }
  return stage;
}

/** The arguments of an exec-form (`["a", "b"]`) instruction; throws on the shell form. */
export function execForm(instruction: DockerInstruction): string[] {
  const text =
    instruction.keyword === 'HEALTHCHECK' ? instruction.text.replace(/^CMD\s+/, '') : instruction.text;
  const value: unknown = text.startsWith('[') ? JSON.parse(text) : null;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new Error(
      `Dockerfile line ${instruction.line}: ${instruction.keyword} must use the exec form ["..."]: received '${text}'`,
    );
  }
  return value;
}

/** `ENV a=b c=d` (or the legacy `ENV a b`) as pairs. */
export function envPairs(instruction: DockerInstruction): [string, string][] {
  const text = instruction.text;
  if (!text.includes('=')) {
    const [name, ...value] = text.split(/\s+/);
    return [[name!, value.join(' ')]];
  }
  return text.split(/\s+/).map((pair) => {
    const at = pair.indexOf('=');
    return [pair.slice(0, at), pair.slice(at + 1).replace(/^"(.*)"$/, '$1')];
  });
}

/** Joins `\` continuations and drops comments and blank lines. */
function logicalLines(source: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  let current: string | null = null;
  let start = 0;
  source.split('\n').forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') || (trimmed === '' && current === null)) return;
    if (current === null) start = i + 1;
    const continued = trimmed.endsWith('\\');
    const piece = continued ? trimmed.slice(0, -1).trim() : trimmed;
    current = current === null ? piece : `${current} ${piece}`.trim();
    if (!continued) {
      out.push({ text: current, line: start });
      current = null;
    }
  });
  if (current !== null) out.push({ text: current, line: start });
  return out;
}

/** Leading `--name=value` options of an instruction. */
function splitFlags(text: string): { flags: Record<string, string>; rest: string } {
  const flags: Record<string, string> = {};
  let rest = text.trim();
  for (let m = /^--([\w-]+)=(\S+)\s*/.exec(rest); m !== null; m = /^--([\w-]+)=(\S+)\s*/.exec(rest)) {
    flags[m[1]!] = m[2]!;
    rest = rest.slice(m[0].length);
  }
  return { flags, rest };
}
