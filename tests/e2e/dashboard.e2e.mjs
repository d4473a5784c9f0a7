// Browser tests of the dashboard in Debian's headless Chromium, driven by playwright-core.
// Playwright gives every launch a new empty profile (its own --user-data-dir).
// Run by tests/e2e/test_e2e_dashboard.py, which starts the server and passes:
//   DASHBOARD_URL, TOKEN_COMMISSION, TOKEN_GUARANTOR, GUARANTOR_PARTY, ARTIFACTS, CHROMIUM, REPORT_HTML
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(join(process.env.WEB_DIR, "package.json"));
const { chromium } = require("playwright-core");
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const URL = process.env.DASHBOARD_URL;
const ART = process.env.ARTIFACTS;
mkdirSync(ART, { recursive: true });

// One browser for the file (a launch costs seconds); every test gets a fresh context.
let shared = null;
after(async () => {
  if (shared) await (await shared).close();
});
function browserOnce() {
  shared ??= chromium.launch({
    executablePath: process.env.CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    headless: true,
  });
  return shared;
}

async function open(t, { offline = false } = {}) {
  const browser = await browserOnce();
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, offline, bypassCSP: offline });
  t.after(() => context.close());
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const outside = [];
  page.on("request", (r) => {
    const u = r.url();
    if (!u.startsWith(URL) && !u.startsWith("data:") && !u.startsWith("file:")) outside.push(u);
  });
  return { browser, page, errors, outside };
}

async function ready(page) {
  await page.goto(URL + "/");
  await page.waitForSelector("body[data-ready='1']", { timeout: 30000 });
}

async function login(page, token) {
  await page.fill("#token", token);
  await page.click("#login button[type=submit]");
  await page.waitForSelector("#who:not([hidden])");
}

test("the map renders the last snapshot and the slider moves through dates", async (t) => {
  const { page, errors, outside } = await open(t);
  await ready(page);
  const last = await page.textContent("#date-label");
  assert.match(last, /^\d{4}-\d{2}-\d{2}$/);
  assert.ok((await page.locator("#map .leaflet-overlay-pane canvas").count()) >= 1, "control polygons drawn");
  await page.screenshot({ path: join(ART, "dashboard-initial.png") });
  const before = Number(await page.getAttribute("body", "data-rendered"));
  const slider = page.locator("#date-slider");
  await slider.focus();
  await page.keyboard.press("Home");
  await page.waitForFunction((n) => Number(document.body.dataset.rendered) > n, before);
  const first = await page.textContent("#date-label");
  assert.notEqual(first, last, "moving the slider changes the date");
  await page.waitForFunction((d) => document.body.dataset.snapshot === d, first);
  await page.keyboard.press("ArrowRight");
  await page.waitForFunction((d) => document.body.dataset.snapshot !== d, first);
  await page.screenshot({ path: join(ART, "dashboard-slider.png") });
  assert.deepEqual(errors, []);
  assert.deepEqual(outside, [], "no request leaves the server (no tile server by default)");
});

test("clicking an incident on the map shows its evidence", async (t) => {
  const { page, errors } = await open(t);
  await ready(page);
  const marker = page.locator("path.incident-marker").first();
  await marker.waitFor({ timeout: 15000 });
  await marker.click({ force: true });
  await page.waitForSelector("#evidence-id");
  const id = await page.textContent("#evidence-id");
  assert.ok(id.length > 0);
  const text = await page.textContent("#evidence");
  assert.match(text, /First seen/);
  assert.match(text, /Area/);
  await page.screenshot({ path: join(ART, "dashboard-evidence.png") });
  assert.deepEqual(errors, []);
});

test("a guarantor party sees only its own obligations; the commission sees all", async (t) => {
  const { page } = await open(t);
  await ready(page);
  await login(page, process.env.TOKEN_COMMISSION);
  await page.waitForSelector("#obligations-table");
  const allParties = await page.$$eval("#obligations-table tbody tr td:first-child", (c) => c.map((x) => x.textContent));
  assert.ok(new Set(allParties).size > 1, `the commission sees several parties: ${[...new Set(allParties)]}`);
  await page.click("#logout");
  await login(page, process.env.TOKEN_GUARANTOR);
  await page.waitForSelector("#obligations-table, #no-duties");
  const mine = await page.$$eval("#obligations-table tbody tr td:first-child", (c) => c.map((x) => x.textContent));
  const party = process.env.GUARANTOR_PARTY;
  assert.ok(mine.length > 0, "the party has duties");
  assert.deepEqual([...new Set(mine)], [party], "only the party's own obligations");
  assert.match(await page.textContent("#who-text"), new RegExp(`Logged in as ${party}`));
  await page.screenshot({ path: join(ART, "dashboard-party-view.png") });
});

test("a bad token gives a readable message, not a blank page", async (t) => {
  const { page } = await open(t);
  await ready(page);
  await page.fill("#token", "not-a-token");
  await page.click("#login button[type=submit]");
  await page.waitForSelector("#alert:not([hidden])");
  assert.match(await page.textContent("#alert"), /token is unknown or revoked/);
  assert.ok(await page.isVisible("#map"));
  await page.screenshot({ path: join(ART, "dashboard-bad-token.png") });
});

test("the what-if without the US is one click away", async (t) => {
  const { page } = await open(t);
  await ready(page);
  await login(page, process.env.TOKEN_COMMISSION);
  assert.equal(await page.textContent("#whatif-btn"), "Plan without the US");
  await page.click("#whatif-btn");
  await page.waitForSelector("#whatif-summary", { timeout: 60000 });
  const rows = await page.$$eval("#whatif-summary tbody tr td:first-child", (c) => c.map((x) => x.textContent));
  assert.deepEqual(rows, ["all parties", "without US"]);
  await page.screenshot({ path: join(ART, "dashboard-whatif.png") });
});

test("live: an activation ingested through the API appears without reloading", async (t) => {
  const { page } = await open(t);
  await ready(page);
  await login(page, process.env.TOKEN_COMMISSION);
  await page.waitForSelector("body[data-live='connected']");
  const res = await fetch(`${URL}/v1/activations`, {
    method: "POST",
    headers: { Authorization: `Bearer ${process.env.TOKEN_MONITOR}`, "Content-Type": "application/json" },
    body: JSON.stringify({ party: process.env.MONITOR_PARTY, payload: { trigger: "e2e-live-trigger", level: "consult" } }),
  });
  assert.equal(res.status, 201, await res.text());
  await page.waitForSelector("#live li", { timeout: 15000 });
  assert.match(await page.textContent("#live"), /e2e-live-trigger: consult/);
  await page.screenshot({ path: join(ART, "dashboard-live.png") });
});

test("accessibility: axe-core finds no critical violations", async (t) => {
  const { page } = await open(t);
  await ready(page);
  await login(page, process.env.TOKEN_COMMISSION);
  await page.waitForSelector("#duties table");
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  const critical = result.violations.filter((v) => v.impact === "critical");
  const summary = result.violations.map((v) => `${v.impact}: ${v.id} (${v.nodes.length})`);
  console.log(`axe violations: ${summary.join("; ") || "none"}`);
  assert.deepEqual(critical.map((v) => v.id), [], summary.join("; "));
});

test("the report opens with no network and makes no request", async (t) => {
  const { page, errors } = await open(t, { offline: true });
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  await page.goto("file://" + process.env.REPORT_HTML);
  await page.waitForSelector("section#territory");
  const outside = requests.filter((u) => !u.startsWith("file:") && !u.startsWith("data:"));
  assert.deepEqual(outside, []);
  assert.ok((await page.locator("figure svg").count()) >= 1, "figures are inline SVG");
  await page.screenshot({ path: join(ART, "report.png"), fullPage: false });
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  const critical = result.violations.filter((v) => v.impact === "critical").map((v) => v.id);
  assert.deepEqual(critical, []);
  assert.deepEqual(errors, []);
});
