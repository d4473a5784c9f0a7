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
  items: [], // incidents and events with their markers
  change: null, // the compare layer
  compareIndex: null,
  selected: null,
  party: null,
  playing: null,
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
// static layers in canvases of their own: a slider step then redraws only the control layer
map.createPane("base").style.zIndex = "350";
map.createPane("line").style.zIndex = "450";
map.getPane("line").style.pointerEvents = "none";
const baseRenderer = L.canvas({ pane: "base" });
const lineRenderer = L.canvas({ pane: "line" });
const evidenceLayer = L.layerGroup().addTo(map);
const legend = L.control({ position: "bottomleft" });
legend.onAdd = () => {
  const div = L.DomUtil.create("div", "legend");
  div.innerHTML =
    '<span class="sw occ"></span> occupied on the date<br><span class="sw line"></span> agreed line (start of period)<br>' +
    '<span class="dot inc"></span> incident beyond the line<br><span class="dot evt"></span> event (30 days to the date)<br>' +
    '<span class="sw gain"></span> gained (compare)<br><span class="sw loss"></span> lost (compare)';
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
  filterMarkers();
  saveUrl();
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
      renderer: lineRenderer,
      pane: "line",
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
    const layer = L.geoJSON(geom, { style: { color: "#444", weight: 1, fillColor: "#f4f4f0", fillOpacity: 1 }, renderer: baseRenderer, pane: "base", interactive: false })
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
    const item = await whenReady(`/v1/dashboard/evidence/${encodeURIComponent(id)}`);
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
    if (item.near) rows.push(["Near", item.near]);
    else if (item.oblast) rows.push(["Oblast", item.oblast]);
  } else {
    rows.push(["Kind", `event: ${item.type}`], ["Date", item.date], ["Actors", item.actors.join(", ")]);
    rows.push(["Fatalities (best)", item.fatalities], ["Notes", item.notes || "–"]);
  }
  rows.push(["Where", item.lat == null ? "–" : `${item.lat.toFixed(4)}°N ${item.lon.toFixed(4)}°E`]);
  rows.push(["Cited by", item.cited_by.length ? item.cited_by.join("; ") : "no activation"]);
  const dl = el("dl", { class: "kv" });
  for (const [k, v] of rows) dl.append(el("dt", {}, k), el("dd", {}, v));
  box.append(el("h3", { id: "evidence-id" }, item.id), dl);
  state.selected = item.id;
  // an incident: the slider goes to the snapshot where it was first seen
  const day = item.kind === "incident" ? item.first_seen.slice(0, 10) : item.date;
  const at = indexOnOrAfter(day);
  if (at != null && at !== state.index) setSlider(at);
  if (item.lat != null) map.flyTo([item.lat, item.lon], Math.max(map.getZoom(), 10), { duration: 0.6 });
  saveUrl();
}

function indexOnOrAfter(day) {
  const snaps = state.config.snapshots;
  if (!snaps.length) return null;
  const i = snaps.findIndex((s) => s.date >= day);
  return i < 0 ? snaps.length - 1 : i;
}

// markers on the slider's date: an incident from its first sighting until reversed, an event in
// the 30 days up to the date, both only when they pass the event filters
function visibleOn(item, day) {
  if (item.kind === "incident") {
    const first = item.first_seen.slice(0, 10);
    const gone = item.reversed ? item.reversed.slice(0, 10) : null;
    return first <= day && (gone == null || gone > day);
  }
  const from = new Date(Date.parse(day) - 30 * 86400000).toISOString().slice(0, 10);
  if (!(item.date <= day && item.date >= from)) return false;
  const type = $("f-type").value;
  const actor = $("f-actor").value.trim().toLowerCase();
  const fat = Number($("f-fat").value || 0);
  if (type && item.type !== type) return false;
  if (actor && !item.actors.some((a) => a.toLowerCase().includes(actor))) return false;
  return (item.fatalities || 0) >= fat;
}

function filterMarkers() {
  if (!state.config?.snapshots.length) return;
  const day = state.config.snapshots[state.index].date;
  const list = $("ev-list");
  const shown = [];
  for (const item of state.items) {
    const on = visibleOn(item, day);
    if (on && !evidenceLayer.hasLayer(item.marker)) item.marker.addTo(evidenceLayer);
    if (!on && evidenceLayer.hasLayer(item.marker)) evidenceLayer.removeLayer(item.marker);
    if (on) shown.push(item);
  }
  state.visible = shown;
  $("ev-count").textContent = String(shown.length);
  list.replaceChildren(
    ...shown.slice(0, 300).map((item) =>
      el("li", {}, el("button", { type: "button", class: "link", onclick: () => openEvidence(item.id) }, item.id)),
    ),
  );
  document.body.dataset.markers = String(shown.length);
}

// the map is drawn while the server still replays the agreement: these wait for it
async function whenReady(path, options) {
  for (;;) {
    try {
      return await api(path, options);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 503)) throw err;
      notice(err.detail);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

async function loadEvidence() {
  let data;
  try {
    data = await whenReady("/v1/dashboard/evidence");
    if (!state.config.complete) {
      const full = await api("/v1/dashboard/config");
      notice("");
      if (full.errors.length) showError(new Error(full.errors.join(" · ")));
      $("sources").textContent = full.sources.length ? `Sources: ${full.sources.join("; ")}` : "";
    }
  } catch (err) {
    showError(err);
    return;
  }
  const items = [...data.incidents, ...data.events].filter((item) => item.lat != null);
  const types = new Set();
  for (const item of items) {
    const incident = item.kind === "incident";
    if (!incident) types.add(item.type);
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
    item.marker = marker;
  }
  for (const t of [...types].sort()) $("f-type").append(el("option", { value: t }, t));
  state.items = items;
  filterMarkers();
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
    $("whatif-hint").hidden = true;
    loadAid();
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
  $("whatif-hint").hidden = false;
  $("aid").replaceChildren(el("p", { class: "muted" }, "Log in to see committed, allocated and delivered aid by donor, and the US against Europe."));
  $("duties").replaceChildren(el("p", { class: "muted" }, "Log in with your party's API token to see what is owed."));
  $("whatif").replaceChildren();
  $("live-state").textContent = "Not connected (log in first).";
}

function table(headers, rows, caption, id) {
  const t = id ? el("table", { id }) : el("table");
  if (caption) t.append(el("caption", {}, caption));
  t.append(el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { scope: "col" }, h)))));
  const body = el("tbody");
  const num = (c) => typeof c === "number" || (typeof c === "string" && /^[+-]?[\d,]*\.?\d+ ?%?$/.test(c));
  for (const r of rows) body.append(el("tr", {}, ...r.map((c) => el("td", num(c) ? { class: "num" } : {}, c))));
  t.append(body);
  return el("div", { class: "tw", tabindex: "0" }, t);
}

async function loadDuties() {
  try {
    const d = await whenReady("/v1/dashboard/duties", { token: state.token });
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
    const owed = d.obligations.map((o) => [el("abbr", { title: partyName(o.party) }, o.party), o.action, (o.due || "").slice(0, 16).replace("T", " "), el("span", { class: `st st-${o.status}` }, o.status)]);
    box.append(owed.length ? table(["party", "action", "due (UTC)", "status"], owed, `Obligations (${owed.length})`, "obligations-table") : el("p", { id: "no-duties" }, `Nothing owed by ${d.party_name || d.party} (${d.party}) in the period.`));
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
    const v = $("whatif-party").value;
    $("whatif-btn").textContent = `Plan without ${v === "US" ? "the US" : partyName(v)}`;
    state.party = v;
    saveUrl();
  });
  $("play").addEventListener("click", togglePlay);
  $("compare-btn").addEventListener("click", () => compareWith($("compare-date").value));
  $("compare-clear").addEventListener("click", clearCompare);
  for (const id of ["f-type", "f-actor", "f-fat"]) $(id).addEventListener("input", filterMarkers);
  $("x-geojson").addEventListener("click", exportGeoJSON);
  $("x-csv").addEventListener("click", exportCSV);
  $("x-link").addEventListener("click", () => {
    saveUrl();
    navigator.clipboard?.writeText(location.href).catch(() => {});
    notice(`Link to this view: ${location.href}`);
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
  for (const p of parties) $("whatif-party").append(el("option", { value: p }, partyName(p) === p ? p : `${partyName(p)} (${p})`));
  const wanted = readUrl();
  if (wanted.party) {
    const id = partyId(wanted.party);
    if (id == null) showError(new Error(`unknown party ${JSON.stringify(wanted.party)} in the link: not a party of the agreement (known: ${parties.join(", ")})`));
    else $("whatif-party").value = id;
  } else if (parties.includes("US")) $("whatif-party").value = "US";
  $("whatif-party").dispatchEvent(new Event("change"));
  const slider = $("date-slider");
  slider.max = String(Math.max(config.snapshots.length - 1, 0));
  let start = config.snapshots.length - 1;
  if (wanted.date) {
    const at = indexOnOrBefore(wanted.date);
    if (at != null) start = at;
  }
  slider.value = String(Math.max(start, 0));
  if (wanted.z && wanted.lat && wanted.lon) state.initialView = [[Number(wanted.lat), Number(wanted.lon)], Number(wanted.z)];
  slider.addEventListener("input", () => showSnapshot(Number(slider.value)));
  map.on("zoomend", () => {
    drawLine();
    showSnapshot(state.index);
    showPlaces();
  });
  map.on("moveend", saveUrl);
  // border, last snapshot and agreed line are fetched at once; the page counts as rendered when
  // the border and the current control are drawn
  state.urlReady = true;
  const border = drawBorder();
  if (config.snapshots.length) {
    await Promise.all([border, showSnapshot(Number(slider.value))]);
    drawLine();
  } else {
    await border;
    notice("No territory snapshots are loaded.");
  }
  if (state.initialView) map.setView(...state.initialView, { animate: false });
  performance.mark("first-render");
  document.body.dataset.ready = "1";
  drawChart();
  drawBasemap();
  await loadEvidence();
  if (wanted.cmp) compareWith(wanted.cmp);
  if (wanted.sel) openEvidence(wanted.sel);
  if (state.token) login(state.token);
}

// ---------- parties ----------
function partyName(id) {
  return state.config?.party_names?.[id] || id;
}
function partyId(text) {
  const t = String(text).trim().toLowerCase();
  const keyed = state.config.party_keys?.[t];
  if (keyed) return keyed;
  for (const [id, name] of Object.entries(state.config.party_names || {})) {
    if (id.toLowerCase() === t || name.toLowerCase() === t) return id;
  }
  return state.config.parties.find((p) => p.toLowerCase() === t) ?? null;
}

// ---------- the URL holds the view: date, zoom and centre, selection, party, compare ----------
function readUrl() {
  const q = new URLSearchParams(location.hash.slice(1));
  return Object.fromEntries(q.entries());
}
function saveUrl() {
  if (!state.urlReady || !state.config?.snapshots.length) return;
  const c = map.getCenter();
  const q = new URLSearchParams();
  q.set("date", state.config.snapshots[state.index].date);
  q.set("z", String(map.getZoom()));
  q.set("lat", c.lat.toFixed(4));
  q.set("lon", c.lng.toFixed(4));
  if (state.selected) q.set("sel", state.selected);
  if (state.party) q.set("party", state.party);
  if (state.compareIndex != null) q.set("cmp", state.config.snapshots[state.compareIndex].date);
  history.replaceState(null, "", `#${q.toString()}`);
  const png = $("x-png");
  png.href = `/v1/dashboard/map.png?index=${state.index}`;
  png.setAttribute("download", `control-${state.config.snapshots[state.index].date}.png`);
}
function indexOnOrBefore(day) {
  const snaps = state.config.snapshots;
  let found = null;
  for (const s of snaps) if (s.date <= day) found = s.index;
  return found ?? (snaps.length ? 0 : null);
}

// ---------- play ----------
function togglePlay() {
  const btn = $("play");
  if (state.playing) {
    clearInterval(state.playing);
    state.playing = null;
    btn.textContent = "Play";
    btn.setAttribute("aria-pressed", "false");
    return;
  }
  const snaps = state.config.snapshots;
  if (state.index >= snaps.length - 1) setSlider(0);
  btn.textContent = "Pause";
  btn.setAttribute("aria-pressed", "true");
  state.playing = setInterval(() => {
    if (state.index >= snaps.length - 1) return togglePlay();
    setSlider(state.index + 1);
  }, 350);
}

// ---------- compare two dates ----------
async function compareWith(day) {
  clearError();
  if (!day) return showError(new Error("choose a date to compare with"));
  const other = indexOnOrBefore(day);
  if (other == null) return;
  try {
    const a = Math.min(other, state.index);
    const b = Math.max(other, state.index);
    const fc = await api(`/v1/dashboard/change?from=${a}&to=${b}`);
    if (state.change) map.removeLayer(state.change);
    state.change = L.geoJSON(fc, {
      style: (f) => ({ color: f.properties.change === "gained" ? "#b00000" : "#0072B2", weight: 1, fillOpacity: 0.6 }),
      interactive: false,
    }).addTo(map);
    state.compareIndex = other;
    state.changeData = fc;
    const [g, l] = fc.features.map((f) => f.properties.area_km2);
    $("compare-summary").textContent = `${fc.from} → ${fc.to}: gained ${g.toLocaleString("en")} km², lost ${l.toLocaleString("en")} km²`;
    $("compare-date").value = state.config.snapshots[other].date;
    $("compare-clear").hidden = false;
    document.body.dataset.compare = `${fc.from}/${fc.to}`;
    saveUrl();
  } catch (err) {
    showError(err);
  }
}
function clearCompare() {
  if (state.change) map.removeLayer(state.change);
  state.change = null;
  state.compareIndex = null;
  state.changeData = null;
  $("compare-summary").textContent = "";
  $("compare-clear").hidden = true;
  delete document.body.dataset.compare;
  saveUrl();
}

// ---------- offline basemap: oblast lines and settlement labels ----------
async function drawBasemap() {
  if (!state.config.has_basemap) return;
  try {
    const fc = await api("/v1/dashboard/basemap");
    const lines = fc.features.filter((f) => f.properties.kind === "oblast");
    L.geoJSON({ type: "FeatureCollection", features: lines }, { style: { color: "#8a8a8a", weight: 0.7 }, renderer: baseRenderer, pane: "base", interactive: false }).addTo(map);
    state.places = fc.features
      .filter((f) => f.properties.kind === "place")
      .map((f) => {
        const [lon, lat] = f.geometry.coordinates;
        const m = L.circleMarker([lat, lon], { radius: 2, color: "#222", weight: 1, fillOpacity: 1, interactive: false, renderer: lineRenderer, pane: "line" });
        m.bindTooltip(f.properties.name, { permanent: true, direction: "right", className: "place-label", offset: [3, 0] });
        return { rank: f.properties.rank, marker: m };
      });
    state.placeLayer = L.layerGroup().addTo(map);
    showPlaces();
  } catch (err) {
    showError(err);
  }
}
function showPlaces() {
  if (!state.places) return;
  const z = map.getZoom();
  const limit = z < 6.5 ? 8 : z < 7.5 ? 20 : z < 9 ? 50 : 120;
  for (const p of state.places) {
    const on = p.rank < limit;
    if (on && !state.placeLayer.hasLayer(p.marker)) p.marker.addTo(state.placeLayer);
    if (!on && state.placeLayer.hasLayer(p.marker)) state.placeLayer.removeLayer(p.marker);
  }
}

// ---------- aid view (the ledger) ----------
async function loadAid() {
  const box = $("aid");
  try {
    const d = await api("/v1/dashboard/aid", { token: state.token });
    box.replaceChildren();
    if (!d.donors.length) {
      box.append(el("p", { class: "muted" }, "The ledger holds no aid flows yet (import the Kiel tracker: guarantor ledger import-kiel)."));
      return;
    }
    const f = (x) => (x == null ? "not tracked" : x.toFixed(2));
    box.append(
      table(["donor", "group", "committed", "allocated", "delivered"], d.donors.slice(0, 15).map((r) => [r.donor, r.group, f(r.committed), f(r.allocated), f(r.delivered)]), `EUR bn; top ${Math.min(15, d.donors.length)} of ${d.donors.length} donors`, "aid-donors"),
    );
    if (d.years.length) {
      const chartBox = el("div", { id: "aid-chart", role: "img", "aria-label": "Allocations per year, the US and Europe" });
      box.append(chartBox);
      const xs = d.years.map((r) => Date.UTC(Number(r.period.slice(0, 4)), 6, 1) / 1000);
      new uPlot(
        {
          width: box.clientWidth || 320,
          height: 150,
          scales: { x: { time: true } },
          series: [{}, { label: "US", stroke: "#0072B2", width: 2 }, { label: "Europe", stroke: "#E69F00", width: 2 }],
          axes: [{}, { size: 50 }],
        },
        [xs, d.years.map((r) => r.US), d.years.map((r) => r.Europe)],
        chartBox,
      );
      box.append(table(["year", "US", "Europe", "all"], d.years.map((r) => [r.period, f(r.US), f(r.Europe), f(r.all)]), "Allocations per year, EUR bn", "aid-years"));
    }
  } catch (err) {
    box.replaceChildren(el("p", { class: "muted" }, err instanceof ApiError ? err.readable() : String(err)));
  }
}

// ---------- exports of what is on screen ----------
function download(name, type, text) {
  const a = el("a", { href: URL.createObjectURL(new Blob([text], { type })), download: name });
  document.body.append(a);
  a.click();
  a.remove();
}
async function exportGeoJSON() {
  const snap = state.config.snapshots[state.index];
  const features = [];
  try {
    const geom = await shape(state.index, levelForZoom(map.getZoom()));
    features.push({ type: "Feature", properties: { layer: "control", date: snap.date, source: snap.source, area_km2: snap.area_km2 }, geometry: geom });
  } catch (err) {
    showError(err);
  }
  for (const f of state.changeData?.features || []) features.push({ ...f, properties: { layer: "change", ...f.properties } });
  for (const item of state.visible || []) {
    const { marker, ...props } = item;
    features.push({ type: "Feature", properties: { layer: item.kind, ...props }, geometry: { type: "Point", coordinates: [item.lon, item.lat] } });
  }
  download(`guarantor-${snap.date}.geojson`, "application/geo+json", JSON.stringify({ type: "FeatureCollection", features }));
  document.body.dataset.exported = "geojson";
}
function exportCSV() {
  const snap = state.config.snapshots[state.index];
  const cols = ["kind", "id", "date", "first_seen", "type", "actors", "fatalities", "area_km2", "near", "oblast", "lat", "lon"];
  const q = (v) => {
    const t = Array.isArray(v) ? v.join("; ") : v == null ? "" : String(v);
    return /[",\n]/.test(t) ? `"${t.replaceAll('"', '""')}"` : t;
  };
  const lines = [cols.join(",")];
  for (const item of state.visible || []) lines.push(cols.map((c) => q(item[c])).join(","));
  download(`guarantor-${snap.date}.csv`, "text/csv", lines.join("\n") + "\n");
  document.body.dataset.exported = "csv";
}

main();
