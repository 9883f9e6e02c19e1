// Shared helpers for the browser journeys: start the Village demo server, drive
// Debian's Chromium through playwright-core, sign in, and check every page with
// axe-core against WCAG 2.2 AA.
//
// One server serves a whole run when VILLAGE_BASE_URL is set (run.mjs does this);
// otherwise each test file starts its own from target/release/village.

import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');

export const DEMO_PASSWORD = 'village-demo';
/** Longest one journey may take before node's test runner fails it. */
export const JOURNEY_TIMEOUT_MS = 120_000;
const STARTUP_TIMEOUT_MS = 120_000;
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Pick a free TCP port on the loopback interface. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function villageBinary() {
  return process.env.VILLAGE_BIN || path.join(repoRoot, 'target', 'release', 'village');
}

async function healthy(baseURL) {
  try {
    const res = await fetch(`${baseURL}/healthz`, { signal: AbortSignal.timeout(5_000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/**
 * Start `village demo` on a free loopback port with a fresh data folder and wait
 * until GET /healthz answers 200. Resolves to { baseURL, stop }.
 */
export async function startServer() {
  const bin = villageBinary();
  if (!existsSync(bin)) {
    throw new Error(`${bin} does not exist: build it with \`cargo build --release -p village\``);
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'village-browser-'));
  const logPath = path.join(dataDir, 'server.log');
  const log = createWriteStream(logPath);
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const args = ['demo', '--listen', `127.0.0.1:${port}`, '--data', dataDir];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });

  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
    child.on('error', (err) => {
      // The binary could not be started at all (missing, not executable, ...).
      exited = { code: err.message, signal: null };
      resolve(exited);
    });
  });
  const killNow = () => {
    if (exited === null) child.kill('SIGKILL');
  };
  process.on('exit', killNow);

  const serverLog = () => {
    try {
      return readFileSync(logPath, 'utf8').split('\n').slice(-40).join('\n');
    } catch {
      return '';
    }
  };

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (exited === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exitPromise;
      clearTimeout(timer);
    }
    process.off('exit', killNow);
    log.end();
    if (!process.env.VILLAGE_KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
  };

  const started = Date.now();
  while (!(await healthy(baseURL))) {
    if (exited !== null) {
      const output = serverLog();
      await stop();
      throw new Error(
        `\`${bin} ${args.join(' ')}\` exited (${exited.code ?? exited.signal}) before /healthz answered.\n${output}`,
      );
    }
    if (Date.now() - started > STARTUP_TIMEOUT_MS) {
      const output = serverLog();
      await stop();
      throw new Error(
        `GET ${baseURL}/healthz did not answer 200 within ${STARTUP_TIMEOUT_MS / 1000} s.\n${output}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { baseURL, stop, serverLog };
}

/** Launch Debian's Chromium headless with flags that suit a closed network. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Everything one test file needs: the server (shared through VILLAGE_BASE_URL, or
 * its own) and a browser. Call from `before`, and call `close()` from `after`.
 */
export async function openVillage() {
  let server = null;
  let baseURL = process.env.VILLAGE_BASE_URL;
  if (!baseURL) {
    server = await startServer();
    baseURL = server.baseURL;
  }
  baseURL = baseURL.replace(/\/+$/, '');
  let browser;
  try {
    browser = await launchBrowser();
  } catch (err) {
    if (server) await server.stop();
    throw err;
  }
  return {
    baseURL,
    browser,
    /** A fresh, signed-out browser context and page whose relative URLs resolve against the server. */
    async newPage() {
      const context = await browser.newContext({ baseURL });
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      page.setDefaultNavigationTimeout(30_000);
      return page;
    },
    /**
     * Run one journey in a fresh page. Accessibility violations found on the way
     * are gathered rather than thrown at once, so one run shows both what the
     * journey found wrong and every page that failed axe; the journey then fails
     * with all of them.
     */
    async withPage(journey) {
      const page = await this.newPage();
      const found = [];
      deferredReports.set(page, found);
      let failure = null;
      try {
        await journey(page);
      } catch (err) {
        failure = err;
      } finally {
        deferredReports.delete(page);
        await page.context().close().catch(() => {});
      }
      if (failure && found.length > 0) {
        const extra = `\n\nAccessibility violations found earlier in this journey:\n${found.join('\n')}`;
        failure.message += extra;
        if (typeof failure.stack === 'string') failure.stack += extra;
      }
      if (failure) throw failure;
      if (found.length > 0) throw new Error(found.join('\n'));
    },
    async close() {
      await browser.close().catch(() => {});
      if (server) await server.stop();
    },
  };
}

/** Wait for the main frame to load the page a click is about to navigate to. */
async function clickAndWaitForPage(page, locator) {
  const navigated = page.waitForEvent('framenavigated', {
    predicate: (frame) => frame === page.mainFrame(),
  });
  await locator.click();
  await navigated;
  await page.waitForLoadState('load');
}

/** Open /signin, fill the form and submit it. Leaves the page wherever the server sends it. */
export async function signIn(page, username, password = DEMO_PASSWORD, { check = true } = {}) {
  const res = await page.goto('/signin');
  if (!res || res.status() !== 200) {
    throw new Error(`GET /signin answered ${res ? res.status() : 'nothing'}, expected 200`);
  }
  if (check) await checkAccessibility(page);
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="password"]').fill(password);
  await clickAndWaitForPage(page, page.getByRole('button', { name: 'Sign in', exact: true }));
}

/** Press the "Sign out" button that every signed-in page carries. */
export async function signOut(page) {
  await clickAndWaitForPage(page, page.getByRole('button', { name: 'Sign out', exact: true }));
}

/** Text of the page's first h1, whitespace collapsed ('' when there is none). */
export async function h1Text(page) {
  const h1 = page.locator('h1').first();
  if ((await h1.count()) === 0) return '';
  return normalise(await h1.innerText());
}

/** Texts of every h2 on the page, whitespace collapsed. */
export async function h2Texts(page) {
  return (await page.locator('h2').allInnerTexts()).map(normalise);
}

export function normalise(text) {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * The part of the page that belongs to the h2 whose text is `heading`: its
 * enclosing section/article/region if it has one, otherwise the siblings that
 * follow it up to the next h1/h2. Returns { found, items: [li text], links: [href] },
 * and when the heading is missing, h2s: the texts of the h2s the page has.
 */
export async function sectionContents(page, heading) {
  return page.evaluate((heading) => {
    const norm = (t) => t.replace(/\s+/g, ' ').trim();
    const h = [...document.querySelectorAll('h2')].find((el) => norm(el.textContent) === heading);
    if (!h) {
      const h2s = [...document.querySelectorAll('h2')].map((el) => norm(el.textContent));
      return { found: false, items: [], links: [], h2s };
    }
    let roots;
    const container = h.closest('section, article, aside, [role="region"]');
    if (container && container.querySelectorAll('h2').length === 1) {
      roots = [container];
    } else {
      roots = [];
      for (let el = h.nextElementSibling; el && !/^H[12]$/.test(el.tagName); el = el.nextElementSibling) {
        roots.push(el);
      }
    }
    const all = (sel) => roots.flatMap((r) => [...(r.matches(sel) ? [r] : []), ...r.querySelectorAll(sel)]);
    return {
      found: true,
      items: all('li').map((li) => norm(li.innerText)),
      links: all('a[href]').map((a) => a.getAttribute('href')),
    };
  }, heading);
}

// Pages whose journey gathers accessibility reports (see withPage), and the
// reports already printed in full by this test file.
const deferredReports = new WeakMap();
const reported = new Set();

/**
 * Run axe-core on the page with the WCAG 2.0/2.1/2.2 A and AA rules and fail with
 * a readable list of violations (rule, impact, target selectors) if there are any.
 * Inside withPage the list is gathered and the journey fails when it ends.
 */
export async function checkAccessibility(page) {
  const alreadyLoaded = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!alreadyLoaded) {
    // Evaluated through the DevTools protocol, so the page's Content-Security-Policy
    // (which rightly forbids inline scripts) does not block it.
    await page.evaluate(axeSource);
  }
  const violations = await page.evaluate(async (tags) => {
    const results = await window.axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({
        target: n.target.map((t) => (Array.isArray(t) ? t.join(' >>> ') : String(t))).join(' '),
        summary: n.failureSummary,
        html: n.html,
      })),
    }));
  }, AXE_TAGS);
  if (violations.length === 0) return;
  const where = new URL(page.url());
  const signature = `${where.pathname} ${JSON.stringify(violations.map((v) => [v.id, v.nodes.map((n) => n.target)]))}`;
  let report;
  if (reported.has(signature)) {
    report = `${violations.length} accessibility violation(s) on ${where.pathname}: ${violations
      .map((v) => `${v.id} (${v.nodes.length})`)
      .join(', ')} - the same as reported in full above`;
  } else {
    reported.add(signature);
    const lines = [`${violations.length} accessibility violation(s) on ${page.url()}:`];
    for (const v of violations) {
      lines.push(`  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})`);
      for (const n of v.nodes) {
        lines.push(`      at ${n.target}`);
        lines.push(`         ${n.html.replace(/\s+/g, ' ').slice(0, 200)}`);
        if (n.summary) {
          for (const line of n.summary.split('\n')) lines.push(`         ${line}`);
        }
      }
    }
    report = lines.join('\n');
  }
  const deferred = deferredReports.get(page);
  if (deferred) {
    deferred.push(report);
  } else {
    throw new Error(report);
  }
}

// Helpers for the learning plan, ladder, portfolio and review journeys.

/** Click a link or button that loads a new page, and wait until that page has loaded. */
export async function clickAndLoad(page, locator) {
  await clickAndWaitForPage(page, locator);
}

/** The name the signed-in person's home page greets them by ("Hello, NAME"). */
export async function greetingName(page) {
  if (new URL(page.url()).pathname !== '/') await page.goto('/');
  const heading = await h1Text(page);
  const match = /^Hello, (.+)$/.exec(heading);
  if (!match) throw new Error(`the home page should greet the person by name, its h1 is "${heading}"`);
  return match[1];
}

/**
 * Sign in as `username` (a pupil), read the address of their record (/learners/ID)
 * from the "See my record" link on their home page, and sign out again.
 */
export async function learnerPathOf(page, username = 'pupil') {
  await signIn(page, username, DEMO_PASSWORD, { check: false });
  const link = await page.locator('a:has-text("See my record")').first().getAttribute('href');
  await signOut(page);
  if (!link || !/^\/learners\/\d+$/.test(link)) {
    throw new Error(`${username}'s home page should link to their record, found ${link}`);
  }
  return link;
}

/** The text of the page's main element, whitespace collapsed. */
export async function mainText(page) {
  return normalise(await page.locator('main').innerText());
}

/** `text` with the characters that mean something in a regular expression escaped. */
export function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
