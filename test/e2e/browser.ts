/**
 * A real browser for the console tests and the console bench: playwright-core driving Debian's
 * chromium (Playwright's own browser download cannot work here), with a fresh profile and
 * nothing that would reach another host.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.DSHUB_CHROMIUM ?? '/usr/bin/chromium';

export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM)
    ? undefined
    : `${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it)`;
}

/** One fresh profile (--user-data-dir is Playwright's persistent-context directory). */
export async function launchBrowser(
  options: { width?: number; height?: number; args?: string[] } = {},
): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'dshub-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...(options.args ?? []),
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * The page shows its answer: a heading, and no loader left (lazy page chunk and API calls done).
 * Polled from here, not with a string predicate inside the page: the console's CSP forbids
 * eval, and Playwright evaluates a string predicate with it.
 */
export async function settle(page: Page): Promise<void> {
  await page.getByRole('heading', { level: 2 }).first().waitFor();
  const loaders = page.locator('[aria-label^="Loading"]');
  const deadline = Date.now() + 30_000;
  while ((await loaders.count()) > 0) {
    if (Date.now() > deadline) throw new Error(`still loading: ${page.url()}`);
    await page.waitForTimeout(50);
  }
}
