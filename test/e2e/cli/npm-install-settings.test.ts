/**
 * The project's npm settings keep `npm ci` offline for onnxruntime-node (its postinstall would
 * fetch CUDA libraries from NuGet) without npm warnings from our own files: package.json denies
 * that one install script, and .npmrc sets only keys npm knows (docs/adr/0022).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('npm install settings', () => {
  it('npm reads the project .npmrc without an "Unknown project config" warning', () => {
    const result = spawnSync('npm', ['config', 'get', 'fund'], { cwd: ROOT, encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe('false');
    expect(result.stderr).not.toMatch(/Unknown .*config/);
  });

  it("package.json denies onnxruntime-node's install script so no install downloads its CUDA files", () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {
      allowScripts?: Record<string, boolean>;
    };
    expect(pkg.allowScripts?.['onnxruntime-node']).toBe(false);
  });
});
