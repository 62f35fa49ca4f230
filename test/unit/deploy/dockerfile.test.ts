/**
 * Unit: the Dockerfile reader on small sources, and the rules the project's own Dockerfile keeps
 * (multi-stage, production dependencies from the lock file, non-root, health check on the live
 * endpoint, the three ports, no step the clean-directory replay of test/cluster cannot run).
 */
import { describe, expect, it } from 'vitest';
import { envPairs, execForm, parseDockerfile, stageNamed } from '../../cluster/dockerfile.js';
import { ALLOWED_RUN, readDockerfile } from '../../cluster/image-replay.js';

describe('parseDockerfile', () => {
  it('splits stages, substitutes ARG defaults into FROM and joins continued lines', () => {
    const stages = parseDockerfile(
      [
        '# syntax=docker/dockerfile:1',
        'ARG BASE=node:20-slim',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile syntax, not a template
        'FROM ${BASE} AS one',
        'RUN echo a \\',
        '  # a comment inside a continued line',
        '  && echo b',
        'FROM one',
        'COPY --from=one --chown=node:node /a /b',
      ].join('\n'),
    );
    expect(stages.map((s) => [s.name, s.image])).toEqual([
      ['one', 'node:20-slim'],
      ['1', 'one'],
    ]);
    expect(stages[0]!.instructions[0]).toEqual({
      keyword: 'RUN',
      flags: {},
      text: 'echo a && echo b',
      line: 4,
    });
    expect(stages[1]!.instructions[0]!.flags).toEqual({ from: 'one', chown: 'node:node' });
    expect(stages[1]!.instructions[0]!.text).toBe('/a /b');
  });

  it('reads exec forms and ENV pairs, and refuses a shell-form CMD', () => {
    const [stage] = parseDockerfile(
      'FROM x\nENV A=1 B="two"\nHEALTHCHECK --interval=5s CMD ["node", "-e", "1"]\nCMD node main.js\n',
    );
    const [env, health, cmd] = stage!.instructions;
    expect(envPairs(env!)).toEqual([
      ['A', '1'],
      ['B', 'two'],
    ]);
    expect(health!.flags).toEqual({ interval: '5s' });
    expect(execForm(health!)).toEqual(['node', '-e', '1']);
    expect(() => execForm(cmd!)).toThrow('CMD must use the exec form ["..."]: received \'node main.js\'');
  });

  it('names the stages it has when asked for a missing one', () => {
    expect(() => stageNamed(parseDockerfile('FROM a AS x\n'), 'y')).toThrow(
      "Dockerfile has no stage 'y': found x",
    );
  });
});

describe("the project's Dockerfile", () => {
  const stages = readDockerfile();
  const keywords = (name: string) => stageNamed(stages, name).instructions.map((i) => i.keyword);

  it('builds in three stages on the slim Node 20 image', () => {
    expect(stages.map((s) => s.name)).toEqual(['deps', 'build', 'runtime']);
    for (const stage of stages) expect(stage.image).toBe('node:20-bookworm-slim');
  });

  it('installs production dependencies from the lock file with the one RUN the replay knows', () => {
    const runs = stageNamed(stages, 'deps').instructions.filter((i) => i.keyword === 'RUN');
    expect(runs.map((r) => r.text)).toEqual([...ALLOWED_RUN]);
    expect(runs[0]!.text).toContain('npm ci --omit=dev');
  });

  it('compiles in the build stage, where devDependencies (typescript) exist', () => {
    const runs = stageNamed(stages, 'build').instructions.filter((i) => i.keyword === 'RUN');
    expect(runs.map((r) => r.text)).toEqual([
      'npm ci --no-audit --no-fund',
      'npm run build && npm run examples',
    ]);
  });

  it('runs as the non-root user node, only copies, exposes 8000-8002 and checks /v2/health/live', () => {
    const runtime = stageNamed(stages, 'runtime');
    expect(keywords('runtime')).not.toContain('RUN');
    const user = runtime.instructions.find((i) => i.keyword === 'USER');
    expect(user?.text).toBe('node');
    const copiesAfterUser = runtime.instructions.slice(runtime.instructions.indexOf(user!));
    expect(copiesAfterUser.some((i) => i.keyword === 'COPY')).toBe(false);
    expect(runtime.instructions.find((i) => i.keyword === 'EXPOSE')?.text).toBe('8000 8001 8002');
    const health = runtime.instructions.find((i) => i.keyword === 'HEALTHCHECK')!;
    expect(execForm(health).join(' ')).toContain("fetch('http://127.0.0.1:8000/v2/health/live')");
    const entry = runtime.instructions.find((i) => i.keyword === 'ENTRYPOINT')!;
    expect(execForm(entry)).toEqual(['node', '/app/dist/src/cli/main.js']);
  });
});
