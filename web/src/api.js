// Talking to the guarantor API: JSON with readable errors, and a server-sent-events reader
// that can send the Authorization header (EventSource cannot).

export class ApiError extends Error {
  constructor(status, detail, path) {
    super(`${status} ${detail}`);
    this.status = status;
    this.detail = detail;
    this.path = path;
  }
  readable() {
    const what = {
      401: "Not logged in, or the token is unknown or revoked",
      403: "Not allowed for this party",
      404: "Not found",
      422: "The request was not accepted",
      429: "Busy",
      503: "The server is still preparing its data",
    }[this.status];
    return `${what || `The server answered ${this.status}`}: ${this.detail}`;
  }
}

function detailOf(body) {
  if (!body) return "no details";
  if (typeof body.detail === "string") return body.detail;
  if (Array.isArray(body.detail)) return body.detail.map((d) => `${(d.loc || []).join(".")}: ${d.msg}`).join("; ");
  return JSON.stringify(body);
}

export async function api(path, { token, method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new ApiError(0, `cannot reach the server (${err.message})`, path);
  }
  const text = await res.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { detail: text.slice(0, 200) };
  }
  if (!res.ok) throw new ApiError(res.status, detailOf(parsed), path);
  return parsed;
}

export async function readSse(path, token, signal, onEvent) {
  const res = await fetch(path, { headers: { Authorization: `Bearer ${token}`, Accept: "text/event-stream" }, signal });
  if (!res.ok) {
    let body = null;
    try {
      body = await res.json();
    } catch {
      body = null;
    }
    throw new ApiError(res.status, detailOf(body), path);
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let event = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trim());
      }
      if (data.length) onEvent(event, JSON.parse(data.join("\n")));
    }
  }
}
