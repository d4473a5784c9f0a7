// Browser half of bench_report.py: first meaningful render and slider steps in headless Chromium.
// Prints one JSON line. Env: URL, CHROMIUM, WEB_DIR, STEPS.
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(join(process.env.WEB_DIR, "package.json"));
const { chromium } = require("playwright-core");
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
const t0 = Date.now();
await page.goto(process.env.URL + "/");
await page.waitForSelector("body[data-ready='1']", { timeout: 60000 });
const firstRender = Date.now() - t0;
const phases = await page.evaluate(() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const mark = (n) => performance.getEntriesByName(n)[0]?.startTime ?? null;
  return {
    html_ms: nav.responseEnd,
    dom_ready_ms: nav.domContentLoadedEventEnd,
    config_ms: mark("config-loaded"),
    first_render_ms: mark("first-render"),
  };
});
const steps = Number(process.env.STEPS || 40);
// Project: move the slider one snapshot at a time backwards from the last (as arrow keys or a
// slow drag do).
const project = await page.evaluate(async (n) => {
  const st = window.__dashboard;
  const slider = document.getElementById("date-slider");
  const out = [];
  for (let k = 1; k <= n; k++) {
    const before = st.renders.length;
    const t = performance.now();
    slider.value = String(st.config.snapshots.length - 1 - k);
    slider.dispatchEvent(new Event("input"));
    while (st.renders.length === before) await new Promise((r) => setTimeout(r, 1));
    out.push(performance.now() - t);
  }
  return out;
}, steps);
// Baseline: the same dates, full-resolution geometry fetched and drawn on each step (no
// precomputed simplification, no prefetch), as a dashboard that serves the raw snapshot would.
const baseline = await page.evaluate(async (n) => {
  const st = window.__dashboard;
  const out = [];
  let layer = null;
  for (let k = 1; k <= n; k++) {
    const i = st.config.snapshots.length - 1 - k;
    const t = performance.now();
    const geom = await (await fetch(`/bench/raw/${i}`)).json();
    const next = st.L.geoJSON(geom, { interactive: false }).addTo(st.map);
    if (layer) st.map.removeLayer(layer);
    layer = next;
    await new Promise((r) => requestAnimationFrame(() => r()));
    out.push(performance.now() - t);
  }
  if (layer) st.map.removeLayer(layer);
  return out;
}, steps);
await browser.close();
console.log(JSON.stringify({ first_render_ms: firstRender, phases, project_steps_ms: project, baseline_steps_ms: baseline }));
