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

async function open(t, { offline = false, width = 1400, downloads = false } = {}) {
  const browser = await browserOnce();
  const context = await browser.newContext({ viewport: { width, height: 900 }, offline, bypassCSP: offline, acceptDownloads: downloads });
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

async function ready(page, hash = "") {
  if (hash) await page.goto("about:blank"); // a new hash alone would not reload the page
  await page.goto(URL + "/" + hash);
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

test("accessibility: axe-core finds no serious or critical violations", async (t) => {
  const { page } = await open(t);
  await ready(page);
  await login(page, process.env.TOKEN_COMMISSION);
  await page.waitForSelector("#duties table");
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  const serious = result.violations.filter((v) => v.impact === "critical" || v.impact === "serious");
  const summary = result.violations.map((v) => `${v.impact}: ${v.id} (${v.nodes.length})`);
  console.log(`axe violations: ${summary.join("; ") || "none"}`);
  assert.deepEqual(serious.map((v) => v.id), [], summary.join("; "));
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

test("markers follow the slider: on the first day no incident seen later is shown", async (t) => {
  const { page, errors } = await open(t);
  await ready(page);
  // the evidence (incidents and events) loads after the first render: wait for it, then count
  await page.waitForFunction(() => (window.__dashboard.items || []).length > 0, null, { timeout: 30000 });
  const last = Number(await page.getAttribute("body", "data-markers"));
  assert.ok(last >= 1, "incidents are shown on the last date");
  const before = Number(await page.getAttribute("body", "data-rendered"));
  await page.locator("#date-slider").focus();
  await page.keyboard.press("Home");
  await page.waitForFunction((n) => Number(document.body.dataset.rendered) > n, before);
  const day = await page.textContent("#date-label");
  const shown = await page.evaluate(() => window.__dashboard.visible.map((i) => (i.first_seen || i.date).slice(0, 10)));
  assert.ok(shown.every((d) => d <= day), `every marker shown on ${day} was seen by then: ${shown}`);
  assert.ok(shown.length < last, "fewer markers on the first day than on the last");
  assert.deepEqual(errors, []);
});

test("clicking an incident sets the slider to its first-seen date and zooms in", async (t) => {
  const { page, errors } = await open(t);
  await ready(page);
  const zoom0 = await page.evaluate(() => window.__dashboard.map.getZoom());
  await page.locator("path.incident-marker").first().click({ force: true });
  await page.waitForSelector("#evidence-id");
  const seen = (await page.textContent("#evidence dl")).match(/First seen(\d{4}-\d{2}-\d{2})/)[1];
  await page.waitForFunction((d) => document.getElementById("date-label").textContent >= d, seen);
  const label = await page.textContent("#date-label");
  const snaps = await page.evaluate(() => window.__dashboard.config.snapshots.map((s) => s.date));
  assert.equal(label, snaps.find((d) => d >= seen), "the slider is on the first snapshot that shows it");
  await page.waitForFunction(() => window.__dashboard.map.getZoom() >= 10);
  assert.ok((await page.evaluate(() => window.__dashboard.map.getZoom())) > zoom0);
  await page.screenshot({ path: join(ART, "dashboard-incident-zoom.png") });
  assert.deepEqual(errors, []);
});

test("the offline basemap draws oblast lines and settlement labels, with no request outside", async (t) => {
  const { page, errors, outside } = await open(t);
  await ready(page);
  await page.waitForSelector(".place-label", { timeout: 15000 });
  assert.ok((await page.locator(".place-label").count()) >= 1);
  await page.evaluate(() => window.__dashboard.map.setZoom(9));
  await page.waitForFunction(() => document.querySelectorAll(".place-label").length >= 5);
  await page.screenshot({ path: join(ART, "dashboard-basemap.png") });
  assert.deepEqual(outside, []);
  assert.deepEqual(errors, []);
});

test("play steps through the dates and pauses", async (t) => {
  const { page, errors } = await open(t);
  await ready(page);
  await page.locator("#date-slider").focus();
  await page.keyboard.press("Home");
  const first = await page.textContent("#date-label");
  await page.click("#play");
  assert.equal(await page.getAttribute("#play", "aria-pressed"), "true");
  await page.waitForFunction((d) => document.getElementById("date-label").textContent > d, first, { timeout: 10000 });
  await page.click("#play");
  assert.equal(await page.textContent("#play"), "Play");
  assert.deepEqual(errors, []);
});

test("compare two dates draws the change polygons with their areas", async (t) => {
  const { page, errors } = await open(t);
  await ready(page);
  const first = await page.evaluate(() => window.__dashboard.config.snapshots[0].date);
  await page.fill("#compare-date", first);
  await page.click("#compare-btn");
  await page.waitForSelector("body[data-compare]");
  assert.match(await page.textContent("#compare-summary"), /gained [\d,.]+ km², lost [\d,.]+ km²/);
  await page.screenshot({ path: join(ART, "dashboard-compare.png") });
  assert.deepEqual(errors, []);
});

test("the URL holds date, zoom, selection and party; a shared link restores them", async (t) => {
  const { page, errors } = await open(t);
  await ready(page);
  await page.locator("path.incident-marker").first().click({ force: true });
  await page.waitForSelector("#evidence-id");
  const id = await page.textContent("#evidence-id");
  await page.selectOption("#whatif-party", "FR");
  await page.waitForFunction(() => location.hash.includes("party=FR") && location.hash.includes("sel="));
  const hash = await page.evaluate(() => location.hash);
  const date = await page.textContent("#date-label");
  const other = await (await page.context().browser()).newContext({ viewport: { width: 1400, height: 900 } });
  t.after(() => other.close());
  const again = await other.newPage();
  await ready(again, hash);
  await again.waitForSelector("#evidence-id");
  assert.equal(await again.textContent("#evidence-id"), id);
  assert.equal(await again.textContent("#date-label"), date);
  assert.equal(await again.inputValue("#whatif-party"), "FR");
  await again.waitForFunction(() => window.__dashboard.map.getZoom() >= 10);
  assert.deepEqual(errors, []);
});

test("a link may name the party by name or ISO code; an unknown one is an error", async (t) => {
  const { page } = await open(t);
  await ready(page, "#party=FRA");
  assert.equal(await page.inputValue("#whatif-party"), "FR");
  await ready(page, "#party=France");
  assert.equal(await page.inputValue("#whatif-party"), "FR");
  await page.goto("about:blank");
  await ready(page, "#party=Nowhere");
  await page.waitForSelector("#alert:not([hidden])");
  assert.match(await page.textContent("#alert"), /unknown party "Nowhere"/);
});

test("event filters: type, actor and fatalities narrow the events shown", async (t) => {
  const { page, errors } = await open(t);
  await ready(page);
  const events = () => page.evaluate(() => window.__dashboard.visible.filter((i) => i.kind === "event").map((i) => i.id).sort());
  await page.waitForFunction(() => (window.__dashboard.visible || []).some((i) => i.kind === "event"));
  assert.deepEqual(await events(), ["e2e:ev0", "e2e:ev1", "e2e:ev2"], "three events in the 30 days up to the last date");
  assert.equal(await page.locator("path.event-marker").count(), 3);
  await page.selectOption("#f-type", "remote_violence");
  assert.deepEqual(await events(), ["e2e:ev1"]);
  await page.selectOption("#f-type", "");
  await page.fill("#f-actor", "alpha");
  assert.deepEqual(await events(), ["e2e:ev0"]);
  await page.fill("#f-actor", "");
  await page.fill("#f-fat", "10");
  assert.deepEqual(await events(), ["e2e:ev2"]);
  assert.equal(await page.locator("path.event-marker").count(), 1);
  await page.fill("#f-fat", "0");
  await page.locator("#date-slider").focus();
  await page.keyboard.press("Home");
  await page.waitForFunction(() => document.body.dataset.snapshot === window.__dashboard.config.snapshots[0].date);
  assert.deepEqual(await events(), [], "no event before its date");
  assert.deepEqual(errors, []);
});

test("the aid view shows the ledger by donor and the US against Europe", async (t) => {
  const { page, errors } = await open(t);
  await ready(page);
  await login(page, process.env.TOKEN_COMMISSION);
  await page.waitForSelector("#aid-donors");
  const donors = await page.$$eval("#aid-donors tbody tr td:first-child", (c) => c.map((x) => x.textContent));
  assert.ok(donors.includes("United States") && donors.includes("Germany"), donors.join(", "));
  const years = await page.$$eval("#aid-years tbody tr td:first-child", (c) => c.map((x) => x.textContent));
  assert.deepEqual(years, ["2029", "2030"]);
  await page.locator("#aid").screenshot({ path: join(ART, "dashboard-aid.png") });
  assert.deepEqual(errors, []);
});

test("exports: GeoJSON and CSV of what is on screen, and a PNG map", async (t) => {
  const { page, errors } = await open(t, { downloads: true });
  await ready(page);
  const [geo] = await Promise.all([page.waitForEvent("download"), page.click("#x-geojson")]);
  const fc = JSON.parse(readFileSync(await geo.path(), "utf8"));
  assert.equal(fc.type, "FeatureCollection");
  assert.ok(fc.features.some((f) => f.properties.layer === "control"));
  assert.ok(fc.features.some((f) => f.properties.layer === "incident"));
  const [csv] = await Promise.all([page.waitForEvent("download"), page.click("#x-csv")]);
  const lines = readFileSync(await csv.path(), "utf8").trim().split("\n");
  assert.match(lines[0], /^kind,id,date/);
  assert.ok(lines.length >= 2);
  const href = await page.getAttribute("#x-png", "href");
  const res = await fetch(new globalThis.URL(href, URL + "/").href);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "image/png");
  assert.deepEqual(errors, []);
});

test("the what-if sits beside the map and runs without a token; tasking after login", async (t) => {
  const { page, errors } = await open(t);
  await ready(page);
  assert.ok(await page.isEnabled("#whatif-btn"));
  assert.ok(await page.isVisible("#whatif-hint"));
  assert.match(await page.textContent("#whatif-hint"), /Open to anyone.*Log in/s);
  const box = await page.locator("#wi-h").boundingBox();
  const map = await page.locator("#map").boundingBox();
  assert.ok(box.x > map.x + map.width - 5 && box.y < 900, `beside the map and in view: ${JSON.stringify(box)}`);
  await page.click("#whatif-btn");
  await page.waitForSelector("#whatif-summary", { timeout: 60000 });
  const rows = await page.$$eval("#whatif-summary tbody tr td:first-child", (c) => c.map((x) => x.textContent));
  assert.deepEqual(rows, ["all parties", "without US"]);
  assert.equal(await page.locator("#whatif table caption", { hasText: "Tasking" }).count(), 0, "no tasking without a token");
  await login(page, process.env.TOKEN_COMMISSION);
  assert.ok(await page.isHidden("#whatif-hint"));
  assert.ok(await page.isEnabled("#whatif-btn"));
  assert.deepEqual(errors, []);
});

test("a party registered by name sees its duties; an unknown party is an error", async (t) => {
  const { page } = await open(t);
  await ready(page);
  await login(page, process.env.TOKEN_FRANCE);
  await page.waitForSelector("#obligations-table, #no-duties");
  const mine = await page.$$eval("#obligations-table tbody tr td:first-child", (c) => c.map((x) => x.textContent));
  assert.ok(mine.length > 0, "France's token sees FR's duties");
  assert.deepEqual([...new Set(mine)], ["FR"]);
  await page.click("#logout");
  await page.fill("#token", process.env.TOKEN_UNKNOWN);
  await page.click("#login button[type=submit]");
  await page.waitForSelector("#alert:not([hidden])");
  assert.match(await page.textContent("#alert"), /not a party of the agreement/);
});

test("at 390 px the page does not scroll sideways", async (t) => {
  const { page, errors } = await open(t, { width: 390 });
  await ready(page);
  await login(page, process.env.TOKEN_COMMISSION);
  await page.waitForSelector("#duties table");
  const [sw, w] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(sw <= w, `page ${sw} px wide in a ${w} px window`);
  await page.screenshot({ path: join(ART, "dashboard-390.png"), fullPage: true });
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  const serious = result.violations.filter((v) => v.impact === "critical" || v.impact === "serious");
  assert.deepEqual(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(" ")}`), []);
  assert.deepEqual(errors, []);
});
