/**
 * The console with the keyboard only, in a real browser (Debian's chromium through
 * playwright-core): sign in, move through the main pages with Tab / Shift+Tab / Enter / Space
 * and the arrow keys (Mantine's tabs), and check at every stop that focus landed on a control
 * with an accessible name and a visible focus indicator. Every page is also checked for
 * unlabelled controls. Then the plain-language failures: a connectivity test cancelled by the
 * keyboard (against a silent port, so the test would run to the server's budget), the network
 * down, and a sign-in that stopped being accepted (the AccessKey disabled meanwhile).
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import {
  adminCli,
  createUserWithCli,
  type RunningServer,
  sdkCall,
  startServer,
} from '../blackbox/support.js';
import { chromiumMissing, launchBrowser, settle } from './browser.js';

const skip = !process.env.CI && chromiumMissing();

interface Stop {
  role: string;
  name: string;
  /** A visible focus indicator: an outline, or a box-shadow ring, on :focus-visible. */
  indicator: boolean;
}

/** The first line of Playwright's ARIA snapshot: `- role "name"` (name computed per spec). */
function roleAndName(snapshot: string): { role: string; name: string } {
  const m = /^- ([\w-]+)(?: "((?:[^"\\]|\\.)*)")?/.exec(snapshot.trim());
  return { role: m?.[1] ?? '', name: m?.[2] ?? '' };
}

async function describeFocus(page: Page): Promise<Stop> {
  const focused = page.locator('*:focus');
  if ((await focused.count()) === 0)
    return { role: '(nothing focused)', name: '', indicator: false };
  const [{ role, name }, indicator] = await Promise.all([
    focused.ariaSnapshot().then(roleAndName),
    focused.evaluate((el) => {
      // A ring may be drawn on the visible box around a field (a password input's wrapper, a
      // multi-select's pills box) or next to a visually hidden input (a segmented control).
      // (No named inner function: tsx would wrap it in a helper the page does not have.)
      const candidates = [el, el.nextElementSibling];
      for (let e = el.parentElement, n = 0; e && n < 3; e = e.parentElement, n++) {
        candidates.push(e);
      }
      const view = el.ownerDocument.defaultView!;
      return (
        el.matches(':focus-visible') &&
        candidates.some((e) => {
          if (!e) return false;
          const cs = view.getComputedStyle(e);
          const outline = cs.outlineStyle !== 'none' && Number.parseFloat(cs.outlineWidth) >= 1;
          return outline || (cs.boxShadow !== 'none' && cs.boxShadow !== '');
        })
      );
    }),
  ]);
  return { role, name, indicator };
}

/**
 * Presses Tab (or Shift+Tab) until focus is on a control whose accessible name matches;
 * every control passed on the way must have a name and a visible focus indicator.
 */
async function tabTo(page: Page, name: RegExp, options: { back?: boolean; max?: number } = {}) {
  const seen: string[] = [];
  for (let i = 0; i < (options.max ?? 80); i++) {
    await page.keyboard.press(options.back ? 'Shift+Tab' : 'Tab');
    const stop = await describeFocus(page);
    seen.push(`${stop.role} "${stop.name}"`);
    const where = `${page.url()}; passed ${seen.join(', ')}`;
    assert.ok(stop.name.trim() !== '', `focus on a ${stop.role} without a name (${where})`);
    assert.ok(stop.indicator, `no visible focus on ${stop.role} "${stop.name}" (${where})`);
    if (name.test(stop.name)) return stop;
  }
  throw new Error(`never reached ${name} with the keyboard; passed ${seen.join(', ')}`);
}

/** Every control a user can reach on the page has an accessible name. */
async function unlabelled(page: Page): Promise<string[]> {
  const roles = [
    'textbox',
    'searchbox',
    'combobox',
    'spinbutton',
    'checkbox',
    'radio',
    'switch',
    'slider',
    'button',
    'link',
    'tab',
  ] as const;
  const missing: string[] = [];
  for (const role of roles) {
    for (const el of await page.getByRole(role).all()) {
      if (!(await el.isVisible())) continue;
      const { name } = roleAndName(await el.ariaSnapshot());
      if (name.trim() === '') missing.push(`${role}: ${await outer(el)}`);
    }
  }
  return missing;
}

async function outer(el: Locator): Promise<string> {
  return (await el.evaluate((e) => e.outerHTML)).slice(0, 160);
}

describe('web console with the keyboard', { skip: skip || false }, () => {
  let server: RunningServer;
  let context: BrowserContext;
  let closeBrowser: () => Promise<void>;
  let base: string;
  let pid = 0;
  let dsId = 0;
  let silentId = 0;
  let silent: Server;
  const sockets = new Set<Socket>();

  before(async () => {
    // A port that accepts connections and never says a word: a MySQL test against it waits
    // for the server's budget, long enough to cancel it.
    silent = createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as { port: number }).port;
    server = await startServer({
      env: {
        DSHUB_CONNECTIVITY_ALLOW_NETWORKS: '127.0.0.0/8',
        DSHUB_CONNECTIVITY_TOTAL_TIMEOUT_MS: '8000',
        DSHUB_CONNECTIVITY_STEP_TIMEOUT_MS: '8000',
        // A disabled AccessKey is refused on the next call, not after the cache's 5 s.
        DSHUB_AUTH_CACHE_TTL_MS: '0',
      },
    });
    base = `http://${server.endpoint}`;
    const created = await sdkCall(server, 'CreateProject', {
      method: 'POST',
      body: { Name: 'kbd', DisplayName: 'Keyboard', DevEnvironmentEnabled: true },
    });
    pid = Number(created.Id);
    const make = async (name: string, port: number) =>
      Number(
        (
          await sdkCall(server, 'CreateDataSource', {
            method: 'POST',
            body: {
              ProjectId: pid,
              Name: name,
              Type: 'mysql',
              ConnectionPropertiesMode: 'UrlMode',
              ConnectionProperties: JSON.stringify({
                envType: 'Prod',
                address: [{ host: '127.0.0.1', port }],
                database: 'orders',
                username: 'app',
                password: 'secret-pw',
              }),
            },
          })
        ).Id,
      );
    dsId = await make('orders_db', 3306);
    silentId = await make('silent_db', silentPort);
    ({ context, close: closeBrowser } = await launchBrowser());
  });

  after(async () => {
    await closeBrowser?.();
    await server?.stop();
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => silent?.close(resolve));
  });

  it('signs in and moves through the main pages with the keyboard only', {
    timeout: 240_000,
  }, async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    // Sign-in: Tab to the ID, type, Tab to the secret, type, Enter.
    await page.goto(`${base}/console/`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.deepEqual(await unlabelled(page), []);
    await tabTo(page, /^AccessKey ID/);
    await page.keyboard.type(server.accessKeyId);
    await tabTo(page, /^AccessKey secret/);
    await page.keyboard.type(server.accessKeySecret);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Sign out' }).waitFor();

    // The list: from the top of the page, through the header, the navigation and the filters
    // to the first record's link; Enter opens it.
    await page.goto(`${base}/console/w/${pid}/data-sources`);
    await page.getByTestId('data-source-table').waitFor();
    assert.deepEqual(await unlabelled(page), []);
    await tabTo(page, /^Workspace$/);
    await tabTo(page, /^Name contains/);
    await page.keyboard.type('orders');
    await page.waitForURL(/name=orders/);
    await page
      .getByTestId('list-total')
      .getByText(/^1 data source name ·/)
      .waitFor();
    // The environment filter is a radio group: the arrow keys move within it.
    await tabTo(page, /^Both$/);
    await page.keyboard.press('ArrowRight');
    await page.waitForURL(/env=Dev/);
    await page.keyboard.press('ArrowRight');
    await page.waitForURL(/env=Prod/);
    await tabTo(page, new RegExp(`^#${dsId} `));
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/data-sources/${dsId}$`));
    await settle(page);
    assert.deepEqual(await unlabelled(page), []);

    // One data source: the tabs follow the arrow keys; each tab's panel is reachable.
    await tabTo(page, /^Configuration$/);
    await page.keyboard.press('ArrowRight');
    await page.waitForURL(/tab=connectivity/);
    assert.equal((await describeFocus(page)).name, 'Connectivity');
    await tabTo(page, /^Test connectivity$/);
    await page.keyboard.press('Space');
    await page.getByTestId('connect-state').waitFor({ timeout: 20_000 });
    assert.deepEqual(await unlabelled(page), []);
    await tabTo(page, /^Connectivity$/, { back: true });
    await page.keyboard.press('ArrowRight');
    await page.waitForURL(/tab=sharing/);
    await page.getByRole('textbox', { name: /^Share to workspace/ }).waitFor();
    assert.deepEqual(await unlabelled(page), []);
    await page.keyboard.press('ArrowRight');
    await page.waitForURL(/tab=history/);
    await page.getByTestId('audit-table').waitFor();
    assert.deepEqual(await unlabelled(page), []);

    // The navigation: back up to it with Shift+Tab, Enter follows a link.
    await tabTo(page, /^Members and roles$/, { back: true });
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/members$/);
    await settle(page);
    assert.deepEqual(await unlabelled(page), []);
    await tabTo(page, /^User ID/);

    // Focus stays on a followed link: the next one down is a Tab away, the first one back
    // from the page's content is a Shift+Tab away.
    for (const [link, url, back] of [
      ['Shared with me', /\/shared$/, true],
      ['Workspace settings', /\/settings$/, false],
      ['All workspaces', /\/workspaces$/, false],
      ['Audit trail', /\/audit$/, false],
      ['Who am I', /\/me$/, false],
    ] as const) {
      await tabTo(page, new RegExp(`^${link}$`), { back });
      await page.keyboard.press('Enter');
      await page.waitForURL(url);
      await settle(page);
      assert.deepEqual(await unlabelled(page), [], `unlabelled controls on ${link}`);
    }

    // The explorer: search, pick an operation, send, all from the keyboard.
    await tabTo(page, /^API Explorer$/, { back: true });
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/explorer/);
    await settle(page);
    assert.deepEqual(await unlabelled(page), []);
    await tabTo(page, /^Search operations$/);
    await page.keyboard.type('calleriden');
    await tabTo(page, /^GetCallerIdentity/);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/explorer\/GetCallerIdentity$/);
    await tabTo(page, /^Send$/);
    await page.keyboard.press('Enter');
    await page.getByTestId('explorer-status').getByText('HTTP 200').waitFor();
    assert.deepEqual(await unlabelled(page), []);

    // Forms: the new data source form (generated from the type's schema) and its fields.
    await page.goto(`${base}/console/w/${pid}/data-sources/new`);
    await settle(page);
    await page.getByLabel(/^Host/).waitFor();
    assert.deepEqual(await unlabelled(page), []);
    await tabTo(page, /^Name/);
    await tabTo(page, /^Host/);
    await page.goto(`${base}/console/w/${pid}/data-sources/${dsId}/edit`);
    await settle(page);
    await page.getByLabel(/^Host/).waitFor();
    assert.deepEqual(await unlabelled(page), []);

    assert.deepEqual(errors, []);
    await page.close();
  });

  it('works over plain http from another host name, with @noble/hashes, and says it is not encrypted', {
    timeout: 120_000,
  }, async () => {
    // Another host name for this machine: Chromium maps it to 127.0.0.1 itself (no DNS), and
    // http on a name other than localhost is not a secure context, so Web Crypto is hidden.
    const host = 'dshub-console.test';
    const port = server.endpoint.split(':').at(-1)!;
    const remote = await launchBrowser({
      args: [`--host-resolver-rules=MAP ${host} 127.0.0.1`, '--disable-features=HttpsUpgrades'],
    });
    try {
      const page = await remote.context.newPage();
      const foreign: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith(`http://${host}:${port}/`)) foreign.push(r.url());
      });
      await page.goto(`http://${host}:${port}/console/`);
      assert.equal(
        await page.evaluate(() => (globalThis as { isSecureContext?: boolean }).isSecureContext),
        false,
      );
      await page.getByTestId('insecure-banner').waitFor();
      await page.getByLabel(/^AccessKey ID/).fill(server.accessKeyId);
      await page.locator('input[name=accessKeySecret]').fill(server.accessKeySecret);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      // Signed calls work (the signature covers this host name), and every page says so.
      await page.goto(`http://${host}:${port}/console/me`);
      await page.getByRole('cell', { name: server.accessKeyId }).waitFor();
      assert.match(
        (await page.getByTestId('insecure-banner').textContent()) ?? '',
        /not encrypted/,
      );
      assert.deepEqual(foreign, []);
    } finally {
      await remote.close();
    }
  });

  it('says plainly what went wrong: cancelled, network down, sign-in refused', {
    timeout: 120_000,
  }, async () => {
    const page = await context.newPage();
    await page.goto(`${base}/console/`);
    await page.getByLabel(/^AccessKey ID/).fill(server.accessKeyId);
    await page.locator('input[name=accessKeySecret]').fill(server.accessKeySecret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();

    // A test against a silent port runs towards the server's 8 s budget; Cancel (the keyboard
    // way) aborts the request in the page.
    await page.goto(`${base}/console/w/${pid}/data-sources/${silentId}?tab=connectivity`);
    await settle(page);
    await page.getByTestId('test-connectivity').focus();
    await page.keyboard.press('Enter');
    await page
      .getByTestId('connectivity-elapsed')
      .getByText(/of this server's 8\.0 s budget$/)
      .waitFor();
    await page
      .getByRole('progressbar', { name: "Time elapsed against the test's budget" })
      .waitFor();
    await tabTo(page, /^Cancel$/);
    await page.keyboard.press('Enter');
    await page.getByText('Cancelled: the page stopped waiting for the answer.').waitFor();
    assert.equal(await page.getByTestId('connect-state').count(), 0);

    // The network down: every call fails before reaching dshub.
    await page.route(`${base}/`, (route) => route.abort('internetdisconnected'));
    await page.goto(`${base}/console/me`);
    await page.getByText('dshub cannot be reached').waitFor({ timeout: 20_000 });
    await page.unroute(`${base}/`);

    // A sign-in that stops being accepted (the AccessKey disabled meanwhile) says so and offers
    // to sign in again.
    const member = await createUserWithCli(
      server,
      String((await sdkCall(server, 'GetCallerIdentity', { method: 'POST' })).AccountId),
      'kbd_member',
    );
    const other = await context.newPage();
    await other.goto(`${base}/console/`);
    await other.getByLabel(/^AccessKey ID/).fill(member.accessKeyId);
    await other.locator('input[name=accessKeySecret]').fill(member.accessKeySecret);
    await other.getByRole('button', { name: 'Sign in' }).click();
    await other.getByRole('button', { name: 'Sign out' }).waitFor();
    await adminCli(server)('admin', 'key', 'disable', member.accessKeyId);
    await other.goto(`${base}/console/me`);
    await other.getByText('Your sign-in is no longer accepted').waitFor();
    await other.getByRole('button', { name: 'Sign in again' }).click();
    await other.getByRole('button', { name: 'Sign in' }).waitFor();
    await other.close();
    await page.close();
  });
});
