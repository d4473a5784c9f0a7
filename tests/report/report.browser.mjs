// The report in headless Chromium (Debian's) at a desktop (1280 px) and a phone (390 px) width:
// screenshots into $ARTIFACTS, no horizontal scroll at 390 px, axe-core with no serious or
// critical violations. Run by tests/report/test_report_browser.py, which passes
// REPORT_HTML, ARTIFACTS, CHROMIUM and WEB_DIR.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(join(process.env.WEB_DIR, "package.json"));
const { chromium } = require("playwright-core");
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const ART = process.env.ARTIFACTS;
mkdirSync(ART, { recursive: true });

let shared = null;
after(async () => {
  if (shared) await (await shared).close();
});
function browserOnce() {
  shared ??= chromium.launch({
    executablePath: process.env.CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
    headless: true,
  });
  return shared;
}

for (const width of [1280, 390]) {
  test(`the report at ${width} px: styled, no horizontal scroll, axe clean`, async (t) => {
    const browser = await browserOnce();
    const context = await browser.newContext({ viewport: { width, height: 900 }, offline: true, bypassCSP: true });
    t.after(() => context.close());
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto("file://" + process.env.REPORT_HTML);
    await page.waitForSelector("section#territory");
    const font = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
    assert.match(font, /DejaVu Sans|system-ui|sans-serif/, `body font: ${font}`);
    const align = await page.evaluate(() => {
      const td = document.querySelector("td.num");
      return td ? getComputedStyle(td).textAlign : "none";
    });
    assert.equal(align, "right", "numbers are right-aligned");
    const scroll = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(scroll[0] <= scroll[1], `no horizontal scroll: page ${scroll[0]} px in a ${scroll[1]} px window`);
    await page.screenshot({ path: join(ART, `report-${width}.png`), fullPage: false });
    await page.locator("section#territory figure").first().screenshot({ path: join(ART, `report-map-${width}.png`) });
    await page.locator("section#obligations").screenshot({ path: join(ART, `report-obligations-${width}.png`) });
    await page.addScriptTag({ content: AXE });
    const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
    const summary = result.violations.map((v) => `${v.impact}: ${v.id} (${v.nodes.length})`);
    console.log(`axe violations at ${width} px: ${summary.join("; ") || "none"}`);
    const serious = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    assert.deepEqual(serious.map((v) => v.id), [], summary.join("; "));
    assert.deepEqual(errors, []);
  });
}
