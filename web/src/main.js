// The guarantor dashboard: map with a date slider, evidence, duties per party, what-if, live feed.
import L from "leaflet";
import "leaflet/dist/leaflet.css";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import "./style.css";
import { api, ApiError, readSse } from "./api.js";

const $ = (id) => document.getElementById(id);
const state = {
  config: null,
  token: sessionStorage.getItem("guarantor-token") || "",
  who: null,
  index: 0,
  layer: null,
  line: null,
  shapes: new Map(), // "index/level" -> Promise<GeoJSON>
  live: null,
  renders: [], // ms per slider step, for the benchmark
};
window.__dashboard = state;
state.L = L; // for benchmarks and debugging from the console

// ---------- messages ----------
function showError(err) {
  const box = $("alert");
  box.textContent = err instanceof ApiError ? err.readable() : `Something went wrong: ${err.message || err}`;
  box.hidden = false;
}
function clearError() {
  $("alert").hidden = true;
  $("alert").textContent = "";
}
function notice(text) {
  $("notice").textContent = text;
}
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c ?? "")));
  return node;
}

// ---------- map ----------
const map = L.map("map", { preferCanvas: true, zoomSnap: 0.5, attributionControl: true });
state.map = map;
map.setView([48.6, 33.5], 6);
const markerRenderer = L.svg({ padding: 0.2 });
const evidenceLayer = L.layerGroup().addTo(map);
const legend = L.control({ position: "bottomleft" });
legend.onAdd = () => {
  const div = L.DomUtil.create("div", "legend");
  div.innerHTML =
    '<span class="sw occ"></span> occupied on the date<br><span class="sw line"></span> agreed line (start of period)<br>' +
    '<span class="dot inc"></span> incident beyond the line<br><span class="dot evt"></span> event';
  return div;
};
legend.addTo(map);

function levelForZoom(zoom) {
  if (zoom < 7.5) return 0;
  if (zoom < 10) return 1;
  return 2;
}

function shape(index, level) {
  const key = `${index}/${level}`;
  if (!state.shapes.has(key)) {
    const p = api(`/v1/dashboard/snapshots/${index}?level=${level}`);
    p.catch(() => state.shapes.delete(key));
    state.shapes.set(key, p);
  }
  return state.shapes.get(key);
}

async function showSnapshot(index) {
  const started = performance.now();
  const snaps = state.config.snapshots;
  if (!snaps.length) return;
  state.index = index;
  const snap = snaps[index];
  $("date-label").textContent = snap.date;
  $("area-label").textContent = `occupied ${snap.area_km2.toLocaleString("en")} km²`;
  $("date-slider").setAttribute("aria-valuetext", snap.date);
  const level = levelForZoom(map.getZoom());
  let geom;
  try {
    geom = await shape(index, level);
  } catch (err) {
    showError(err);
    return;
  }
  if (state.index !== index) return; // the slider moved on meanwhile
  const next = L.geoJSON(geom, {
    style: { color: "#9b3d00", weight: 1, fillColor: "#D55E00", fillOpacity: 0.45 },
    interactive: false,
  });
  next.addTo(map);
  if (state.layer) map.removeLayer(state.layer);
  state.layer = next;
  // prefetch the neighbours so that the next step is instant
  for (const j of [index - 1, index + 1]) if (j >= 0 && j < snaps.length) shape(j, level);
  const ms = performance.now() - started;
  state.renders.push(ms);
  document.body.dataset.snapshot = snap.date;
  document.body.dataset.rendered = String(state.renders.length);
  markCursor(index);
}

async function drawLine() {
  // the agreed line: control on the first snapshot of the period, dashed
  const at = state.config.line_index;
  if (at == null) return;
  try {
    const geom = await shape(at, levelForZoom(map.getZoom()));
    if (state.line) map.removeLayer(state.line);
    state.line = L.geoJSON(geom, {
      style: { color: "#000", weight: 1.2, dashArray: "4 4", fill: false },
      interactive: false,
    }).addTo(map);
  } catch (err) {
    showError(err);
  }
}

async function drawBorder() {
  if (!state.config.has_border) return;
  try {
    const geom = await api("/v1/dashboard/border");
    const layer = L.geoJSON(geom, { style: { color: "#444", weight: 1, fillColor: "#f4f4f0", fillOpacity: 1 }, interactive: false })
      .addTo(map)
      .bringToBack();
    map.fitBounds(layer.getBounds(), { animate: false });
  } catch (err) {
    showError(err);
  }
}

// ---------- evidence ----------
async function openEvidence(id) {
  clearError();
  try {
    const item = await api(`/v1/dashboard/evidence/${encodeURIComponent(id)}`);
    renderEvidence(item);
  } catch (err) {
    showError(err);
  }
}

function renderEvidence(item) {
  const box = $("evidence");
  box.replaceChildren();
  const rows = [];
  if (item.kind === "incident") {
    rows.push(["Kind", `advance beyond the agreed line (${item.side})`]);
    rows.push(["First seen", item.first_seen], ["Confirmed", item.confirmed || "not confirmed"]);
    rows.push(["Reversed", item.reversed || "no"], ["Area", `${item.area_km2} km²`], ["Depth", `${item.max_depth_km} km`]);
  } else {
    rows.push(["Kind", `event: ${item.type}`], ["Date", item.date], ["Actors", item.actors.join(", ")]);
    rows.push(["Fatalities (best)", item.fatalities], ["Notes", item.notes || "–"]);
  }
  rows.push(["Where", item.lat == null ? "–" : `${item.lat.toFixed(4)}°N ${item.lon.toFixed(4)}°E`]);
  rows.push(["Cited by", item.cited_by.length ? item.cited_by.join("; ") : "no activation"]);
  const dl = el("dl", { class: "kv" });
  for (const [k, v] of rows) dl.append(el("dt", {}, k), el("dd", {}, v));
  box.append(el("h3", { id: "evidence-id" }, item.id), dl);
  if (item.lat != null) map.panTo([item.lat, item.lon]);
}

async function loadEvidence() {
  let data;
  try {
    data = await api("/v1/dashboard/evidence");
  } catch (err) {
    showError(err);
    return;
  }
  const items = [...data.incidents, ...data.events];
  $("ev-count").textContent = String(items.length);
  const list = $("ev-list");
  list.replaceChildren();
  for (const item of items) {
    if (item.lat == null) continue;
    const incident = item.kind === "incident";
    const marker = L.circleMarker([item.lat, item.lon], {
      renderer: markerRenderer,
      radius: incident ? 4 + Math.min(Math.sqrt(item.area_km2), 10) : 4,
      color: "#fff",
      weight: 1,
      fillColor: incident ? "#0072B2" : "#555",
      fillOpacity: 0.9,
      className: incident ? "incident-marker" : "event-marker",
    });
    marker.bindTooltip(`${item.id} (${incident ? item.first_seen.slice(0, 10) : item.date})`);
    marker.on("click", () => openEvidence(item.id));
    marker.addTo(evidenceLayer);
    marker.getElement?.()?.setAttribute("data-id", item.id);
    list.append(el("li", {}, el("button", { type: "button", class: "link", onclick: () => openEvidence(item.id) }, item.id)));
  }
}

// ---------- area chart ----------
let chart = null;
function drawChart() {
  const snaps = state.config.snapshots;
  if (!snaps.length) return;
  const xs = snaps.map((s) => Date.parse(s.time) / 1000);
  const ys = snaps.map((s) => s.area_km2);
  const box = $("area-chart");
  chart = new uPlot(
    {
      width: box.clientWidth || 600,
      height: 160,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [{}, { size: 70, values: (u, v) => v.map((n) => `${Math.round(n / 1000)}k`) }],
      series: [{}, { label: "occupied km²", stroke: "#D55E00", width: 1.5 }],
    },
    [xs, ys],
    box,
  );
  box.addEventListener("click", () => {
    const idx = chart.cursor.idx;
    if (idx != null) setSlider(idx);
  });
}
function markCursor(index) {
  if (!chart) return;
  const left = chart.valToPos(chart.data[0][index], "x");
  chart.setCursor({ left, top: chart.valToPos(chart.data[1][index], "y") });
}
function setSlider(i) {
  $("date-slider").value = String(i);
  showSnapshot(i);
}

// ---------- login, duties, what-if, live ----------
async function login(token) {
  clearError();
  try {
    const who = await api("/v1/dashboard/me", { token });
    state.token = token;
    state.who = who;
    sessionStorage.setItem("guarantor-token", token);
    $("who-text").textContent = `Logged in as ${who.party} (${who.role})${who.sees_all ? ": all parties" : ": own duties only"}`;
    $("who").hidden = false;
    $("login").hidden = true;
    $("whatif-btn").disabled = false;
    await loadDuties();
    startLive();
  } catch (err) {
    showError(err);
  }
}

function logout() {
  state.token = "";
  state.who = null;
  sessionStorage.removeItem("guarantor-token");
  if (state.live) state.live.abort();
  $("who").hidden = true;
  $("login").hidden = false;
  $("whatif-btn").disabled = true;
  $("duties").replaceChildren(el("p", { class: "muted" }, "Log in with your party's API token to see what is owed."));
  $("whatif").replaceChildren();
  $("live-state").textContent = "Not connected (log in first).";
}

function table(headers, rows, caption, id) {
  const t = id ? el("table", { id }) : el("table");
  if (caption) t.append(el("caption", {}, caption));
  t.append(el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { scope: "col" }, h)))));
  const body = el("tbody");
  for (const r of rows) body.append(el("tr", {}, ...r.map((c) => el("td", {}, c))));
  t.append(body);
  return el("div", { class: "tw" }, t);
}

async function loadDuties() {
  try {
    const d = await api("/v1/dashboard/duties", { token: state.token });
    const box = $("duties");
    box.replaceChildren();
    const acts = d.activations.map((a) => [
      a.time.slice(0, 16).replace("T", " "),
      `${a.trigger}: ${a.level}`,
      el("span", {}, ...a.evidence.map((id, k) => [k ? ", " : "", el("button", { type: "button", class: "link", onclick: () => openEvidence(id) }, id)]).flat()),
    ]);
    box.append(acts.length ? table(["time (UTC)", "trigger: level", "evidence"], acts, "Activations (established)", "activations-table") : el("p", {}, "No activation in the period."));
    const undetermined = (d.undetermined || []).map((u) => [
      u.time.slice(0, 10),
      `${u.trigger}: ${u.level}`,
      u.unknown.map((x) => x.what.replaceAll("_", " ")).join(", "),
      u.resolved_by ? `${u.resolved_by.determination} (${u.resolved_by.body})` : "nobody",
    ]);
    if (undetermined.length) box.append(table(["from (UTC)", "trigger: level", "unknown", "settled by"], undetermined, `Undetermined: would hold if the unknowns resolved (${undetermined.length})`, "undetermined-table"));
    const owed = d.obligations.map((o) => [o.party, o.action, (o.due || "").slice(0, 16).replace("T", " "), el("span", { class: `st st-${o.status}` }, o.status)]);
    box.append(owed.length ? table(["party", "action", "due (UTC)", "status"], owed, `Obligations (${owed.length})`, "obligations-table") : el("p", { id: "no-duties" }, `Nothing owed by ${d.party}.`));
  } catch (err) {
    showError(err);
  }
}

async function runWhatIf() {
  clearError();
  const party = $("whatif-party").value;
  const box = $("whatif");
  box.replaceChildren(el("p", { class: "muted" }, "Planning…"));
  try {
    const r = await api("/v1/dashboard/whatif", { token: state.token, method: "POST", body: { without: [party] } });
    box.replaceChildren(
      table(
        ["variant", "coverage", "gaps"],
        r.variants.map((v) => [v.label, `${v.plan.coverage_pct.toFixed(1)}%`, String(v.plan.gaps.length)]),
        `Step ${r.step}`,
        "whatif-summary",
      ),
    );
    const without = r.variants[r.variants.length - 1];
    if (without.plan.gaps.length)
      box.append(table(["capability", "missing", "why"], without.plan.gaps.map((g) => [g.capability, String(g.quantity), g.reason]), `Gaps ${without.label}`));
    if (without.plan.tasking.length)
      box.append(table(["party", "capability", "quantity", "by"], without.plan.tasking.map((t) => [t.party, t.capability, String(t.quantity), t.by]), `Tasking ${without.label}`));
  } catch (err) {
    box.replaceChildren();
    showError(err);
  }
}

async function startLive() {
  if (state.live) state.live.abort();
  const ctrl = new AbortController();
  state.live = ctrl;
  $("live-state").textContent = "Connecting…";
  try {
    await readSse("/v1/dashboard/live", state.token, ctrl.signal, (event, data) => {
      if (event === "hello") {
        $("live-state").textContent = `Connected: new ledger records appear here (from #${data.head}).`;
        document.body.dataset.live = "connected";
        return;
      }
      const p = data.payload || {};
      const what = p.trigger ? `${p.trigger}${p.level ? ": " + p.level : ""}` : p.action || p.event_type || p.id || "";
      $("live").prepend(el("li", {}, `#${data.seq} ${data.kind} by ${data.party}${what ? " — " + what : ""}`));
      if (data.kind === "activation" || data.kind === "obligation") notice(`New ${data.kind} recorded (#${data.seq}).`);
    });
  } catch (err) {
    if (ctrl.signal.aborted) return;
    $("live-state").textContent = "Disconnected.";
    showError(err);
  }
}

// ---------- start ----------
async function loadConfig() {
  for (;;) {
    try {
      return await api("/v1/dashboard/config");
    } catch (err) {
      if (err instanceof ApiError && err.status === 503) {
        notice(err.detail);
        await new Promise((r) => setTimeout(r, 1500));
        continue;
      }
      throw err;
    }
  }
}

async function main() {
  $("login").addEventListener("submit", (e) => {
    e.preventDefault();
    const t = $("token").value.trim();
    if (t) login(t);
    else showError(new Error("enter your party's API token"));
  });
  $("logout").addEventListener("click", logout);
  $("whatif-btn").addEventListener("click", runWhatIf);
  $("whatif-party").addEventListener("change", () => {
    $("whatif-btn").textContent = `Plan without ${$("whatif-party").value === "US" ? "the US" : $("whatif-party").value}`;
  });
  let config;
  try {
    config = await loadConfig();
  } catch (err) {
    showError(err);
    return;
  }
  state.config = config;
  performance.mark("config-loaded");
  notice("");
  if (config.errors.length) showError(new Error(config.errors.join(" · ")));
  if (config.agreement) $("agreement-title").textContent = config.agreement.title;
  $("sources").textContent = config.sources.length ? `Sources: ${config.sources.join("; ")}` : "";
  if (config.tile_url) L.tileLayer(config.tile_url, { maxZoom: 14 }).addTo(map);
  map.attributionControl.addAttribution("Control: DeepState snapshots; border: Natural Earth");
  const parties = config.parties.length ? config.parties : ["US"];
  for (const p of parties) $("whatif-party").append(el("option", { value: p }, p));
  if (parties.includes("US")) $("whatif-party").value = "US";
  $("whatif-party").dispatchEvent(new Event("change"));
  const slider = $("date-slider");
  slider.max = String(Math.max(config.snapshots.length - 1, 0));
  slider.value = slider.max;
  slider.addEventListener("input", () => showSnapshot(Number(slider.value)));
  map.on("zoomend", () => {
    drawLine();
    showSnapshot(state.index);
  });
  // border, last snapshot and agreed line are fetched at once; the page counts as rendered when
  // the border and the current control are drawn
  const border = drawBorder();
  if (config.snapshots.length) {
    await Promise.all([border, showSnapshot(config.snapshots.length - 1)]);
    drawLine();
  } else {
    await border;
    notice("No territory snapshots are loaded.");
  }
  performance.mark("first-render");
  document.body.dataset.ready = "1";
  drawChart();
  loadEvidence();
  if (state.token) login(state.token);
}

main();
