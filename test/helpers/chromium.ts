/**
 * Debian's Chromium (`/usr/bin/chromium`) driven by playwright-core, for tests of pages: the
 * launch flags, a fresh profile per launch, and the skip rule (a test skips with a message where
 * the browser is missing, except under CI=true, where .ci/run installs it and the test must run).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's Chromium. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Whether Chromium tests must skip: the browser is missing and this is not CI. */
export const CHROMIUM_MISSING = !existsSync(CHROMIUM_PATH) && process.env.CI !== 'true';

/** Returns CHROMIUM_MISSING, saying on stderr which test skips and why when it does. */
export function skipWithoutChromium(what: string): boolean {
  if (CHROMIUM_MISSING) {
    process.stderr.write(
      `Skipping ${what}: ${CHROMIUM_PATH} is missing (apt-get install chromium); with CI=true it fails instead\n`,
    );
  }
  return CHROMIUM_MISSING;
}

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A headless Chromium with a fresh profile; close() also removes the profile. */
export interface ChromiumSession {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Launches Chromium with a fresh profile and a `width`×`height` viewport (default 1280×800). */
export async function launchChromium(viewport = { width: 1280, height: 800 }): Promise<ChromiumSession> {
  const profile = mkdtempSync(join(tmpdir(), 'nereid-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: FLAGS,
    viewport,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
