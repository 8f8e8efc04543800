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
  const minor = results.violations.filter((v) => !serious.includes(v));
  const named = minor.length ? ` (${minor.map((v) => `${v.impact} ${v.id}`).join(", ")})` : "";
  console.log(`  axe on ${name}: ${serious.length} serious or critical, ${minor.length} minor${named}`);
}

/** axe-core, then a full-page screenshot, of the page as it is now. */
async function check(page, name) {
  await axeCheck(page, name);
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

async function newPage(context, base) {
  const page = await context.newPage();
  page.on("console", (m) => {
    // A form sent back with its errors answers 400, which chromium logs;
    // every other console error (a CSP refusal, a script error) fails.
    const expected = /^Failed to load resource: the server responded with a status of 400/.test(m.text());
    if (m.type() === "error" && !expected) problems.push(`console error on ${page.url()}: ${m.text()}`);
  });
  page.on("requestfinished", async (request) => {
    // Every asset (style, script, image, font) loads.
    if (request.resourceType() === "document") return;
    const response = await request.response();
    if (response && response.status() >= 400) problems.push(`${response.status()} for ${request.url()}`);
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

const AMIRA_WELLBEING = `query($id: ID!) { child(id: $id) { mentalHealth { camhsStatus } } }`;

/** Whether CAMHS, with its own API token, sees Amira's wellbeing section now. */
async function camhsSeesWellbeing(base, tokens, childId) {
  const answer = await graphql(base, tokens.camhs, "DIRECT_SUPPORT", AMIRA_WELLBEING, { id: childId });
  const shown = answer.data?.child?.mentalHealth != null;
  const withheld = (answer.errors ?? []).some((e) => (e.path ?? []).includes("mentalHealth"));
  if (shown === withheld) fail(`CAMHS's answer is neither shown nor withheld: ${JSON.stringify(answer)}`);
  return shown;
}

async function parent(browser, base, tokens) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  await offline(context, base);
  const page = await newPage(context, base);

  await page.goto(`${base}/signin`);
  await check(page, "signin");
  await signIn(page, base, /Sara Khan/);
  await page.waitForURL(/\/family$/);
  await check(page, "family-children");

  await page.getByRole("link", { name: "Mira Khan" }).click();
  await page.waitForURL(/\/record$/);
  const childId = page.url().match(/children\/([0-9a-f-]+)\//)[1];
  await check(page, "family-record");

  // Who can see what. The demo family already lets every CAMHS service see
  // Amira's wellbeing: CAMHS sees it over the API.
  await page.getByRole("link", { name: "Who can see what" }).click();
  await page.waitForURL(/\/sharing$/);
  await check(page, "family-sharing");
  if (!(await camhsSeesWellbeing(base, tokens, childId))) fail("CAMHS should see wellbeing under the demo's grant");

  // Stop that agreement: CAMHS no longer sees it.
  await page.getByRole("button", { name: /Stop sharing with Every service of this kind: Children and young people's mental health/ }).click();
  await page.waitForURL(/\/receipts\//);
  await page.getByRole("heading", { level: 1 }).waitFor();
  await check(page, "family-receipt-withdrawn");
  if (await camhsSeesWellbeing(base, tokens, childId)) fail("CAMHS still sees wellbeing after the family stopped sharing");

  // Agree again, with Northshire CAMHS only, for day-to-day support.
  await page.goto(`${base}/family/children/${childId}/sharing`);
  await page.getByRole("link", { name: "Change what Northshire CAMHS can see" }).click();
  await page.waitForURL(/\/sharing\/agencies\//);
  // Nothing chosen: the form says what is missing, next to the question.
  await page.getByRole("button", { name: "Agree to share" }).click();
  await page.getByRole("alert").filter({ hasText: "There is a problem" }).waitFor();
  await check(page, "family-sharing-change-error");
  await page.getByLabel("Wellbeing and mental health").check();
  await page.getByLabel("To support your child day to day").check();
  await check(page, "family-sharing-change");
  await page.getByRole("button", { name: "Agree to share" }).click();
  await page.waitForURL(/\/receipts\//);
  await check(page, "family-receipt");
  if (!(await camhsSeesWellbeing(base, tokens, childId))) fail("CAMHS does not see wellbeing after the family agreed");
  const receiptJson = await page.request.get(`${page.url()}.json`);
  if (receiptJson.status() !== 200) fail(`the receipt download answered ${receiptJson.status()}`);

  // Withdraw it again from the page: hidden again.
  await page.goto(`${base}/family/children/${childId}/sharing`);
  await page.getByRole("button", { name: "Stop sharing with Northshire CAMHS" }).click();
  await page.waitForURL(/\/receipts\//);
  if (await camhsSeesWellbeing(base, tokens, childId)) fail("CAMHS still sees wellbeing after the second withdrawal");

  // Who looked: CAMHS's reads are there, in words.
  await page.goto(`${base}/family/children/${childId}/record`);
  await page.getByRole("link", { name: "Who looked" }).click();
  await page.waitForURL(/\/history/);
  const history = await page.locator("main").innerText();
  if (!/CAMHS/.test(history)) fail(`Who looked does not show CAMHS's read:\n${history.slice(0, 2000)}`);
  await check(page, "family-who-looked");

  await page.getByRole("link", { name: "All about me" }).click();
  await page.waitForURL(/\/all-about-me$/);
  await check(page, "family-all-about-me");

  await page.getByRole("link", { name: "Assessment and plan" }).click();
  await page.waitForURL(/\/plan$/);
  await check(page, "family-plan");

  // The same pages on a phone-width screen.
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto(`${base}/family/children/${childId}/sharing`);
  await check(page, "family-sharing-phone");
  await page.setViewportSize({ width: 1100, height: 900 });

  await signOut(page);
  await context.close();
}

async function jaydensMother(browser, base) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  await offline(context, base);
  const page = await newPage(context, base);
  await signIn(page, base, /Leanne Clarke/);
  await page.waitForURL(/\/family$/);
  await page.getByRole("link", { name: "JJ Clarke" }).click();
  await page.getByRole("link", { name: "Assessment and plan" }).click();
  await page.waitForURL(/\/plan$/);
  await check(page, "family-plan-draft");
  await page.locator("textarea").first().fill("We would like more help at lunchtimes, when it is noisy.");
  await page.getByRole("button", { name: /Send/ }).click();
  await page.waitForURL(/\/plan\?sent=1$/);
  const text = await page.locator("main").innerText();
  if (!/Your response was sent on/.test(text)) fail(`no confirmation of the response:\n${text.slice(0, 1500)}`);
  await check(page, "family-plan-response-sent");
  await signOut(page);
  await context.close();
}

async function youngPerson(browser, base) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  await offline(context, base);
  const page = await newPage(context, base);
  await signIn(page, base, /Chloe Evans/);
  await page.waitForURL(/\/family$/);
  await check(page, "young-person-children");
  await page.getByRole("link", { name: /Chloe/ }).first().click();
  await page.getByRole("link", { name: "Who can see what" }).click();
  await page.waitForURL(/\/sharing$/);
  const text = await page.locator("main").innerText();
  if (!/Decisions to check/.test(text)) fail(`the young person has no decisions to check:\n${text.slice(0, 1500)}`);
  await check(page, "young-person-sharing");
  await signOut(page);
  await context.close();
}

async function practitioner(browser, base, tokens) {
  // The council asks the community paediatrician for advice on Jayden
  // (through its own system: the API).
  const asked = await graphql(
    base,
    tokens["case-officer"],
    "EHC_ASSESSMENT",
    `mutation { requestAdvice(assessmentId: "7e110000-0000-4000-8000-000000000900",
       agencyId: "7e110000-0000-4000-8000-000000000108", scope: PHYSICAL_HEALTH) { id } }`,
  );
  const requestId = asked.data?.requestAdvice?.id ?? fail(`requestAdvice failed: ${JSON.stringify(asked)}`);

  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  await offline(context, base);
  const page = await newPage(context, base);
  await signIn(page, base, /Community paediatrician/);
  await page.waitForURL(/\/provider$/);
  await check(page, "provider-requests");
  await page.locator(`a[href="/provider/requests/${requestId}"]`).click();
  await page.waitForURL(new RegExp(`/provider/requests/${requestId}$`));
  await check(page, "provider-request");
  await page.getByRole("button", { name: "Write your advice" }).click();
  await page.waitForURL(/\/advice$/);
  await check(page, "provider-advice-form");

  // Sent half-done: the template's required parts are named by their fields.
  await page.getByRole("button", { name: "Send advice" }).click();
  await page.getByRole("alert").filter({ hasText: "There is a problem" }).waitFor();
  await check(page, "provider-advice-errors");

  await page.getByLabel(/Health needs related to special educational needs/).fill(
    "Jayden has asthma, well controlled with an inhaler; he tires after PE.",
  );
  await page.getByLabel(/Outcomes sought/).fill("Jayden takes part in PE with rest breaks by the end of Year 9.");
  await page.locator("#item-health_provision-0-what").fill("Inhaler kept in the classroom, used as his care plan says");
  await page.locator("#item-health_provision-0-who").fill("Form tutor, trained by the school nurse");
  await page.locator("#item-health_provision-0-howOften").fill("As needed");
  await page.locator("#item-health_provision-0-howLong").fill("Until the next review");
  await page.getByRole("button", { name: "Send advice" }).click();
  await page.waitForURL(/\?sent=1$/);
  const text = await page.locator("main").innerText();
  if (!/Advice sent on/.test(text)) fail(`no confirmation of the advice:\n${text.slice(0, 1500)}`);
  await check(page, "provider-advice-sent");

  // The council sees the same contribution over the API.
  const seen = await graphql(
    base,
    tokens["case-officer"],
    "EHC_ASSESSMENT",
    `query { assessment(childId: "7e110000-0000-4000-8000-000000000203") { adviceRequests { id answeredOn } } }`,
  );
  const answered = (seen.data?.assessment?.adviceRequests ?? []).find((r) => r.id === requestId);
  if (!answered?.answeredOn) fail(`the council does not see the advice as answered: ${JSON.stringify(seen)}`);
  await signOut(page);
  await context.close();
}

async function offline(context, base) {
  // Nothing from another origin: any such request is a failure, and it is
  // refused (as on a council network without internet).
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(base)) return route.continue();
    problems.push(`request to another origin: ${url}`);
    return route.abort();
  });
}

async function story(browser, base, tokens) {
  await parent(browser, base, tokens);
  await jaydensMother(browser, base);
  await youngPerson(browser, base);
  await practitioner(browser, base, tokens);
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
