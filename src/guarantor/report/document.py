"""The report's pieces (sections with a status) and their assembly into one self-contained HTML page."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Literal

import jinja2

Status = Literal["ok", "partial", "missing"]


@dataclass
class Section:
    """One part of the report: its HTML body, and what was missing or broken when it was built."""

    id: str
    title: str
    status: Status = "ok"
    body: str = ""
    problems: list[str] = field(default_factory=list)

    def missing(self, why: str) -> Section:
        """Mark the section as missing (nothing could be shown) and say why."""
        self.status = "missing"
        self.problems.append(why)
        return self

    def partial(self, why: str) -> Section:
        """Mark part of the section as missing and say why; the rest is shown."""
        if self.status == "ok":
            self.status = "partial"
        self.problems.append(why)
        return self


def esc(value: object) -> str:
    """HTML-escaped text of a value."""
    return html.escape(str(value), quote=True)


def table(
    headers: list[str], rows: list[list[str]], *, caption: str = "", raw: bool = False
) -> str:
    """An HTML table; cells are escaped unless `raw` (then they are trusted HTML fragments)."""
    cell = (lambda v: v) if raw else esc
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return f'<div class="tw"><table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def figure(svg: str, caption: str) -> str:
    """A figure block: the inline SVG and a caption saying source, date and method."""
    return f"<figure>{svg}<figcaption>{esc(caption)}</figcaption></figure>"


_TEMPLATE = jinja2.Environment(autoescape=True, keep_trailing_newline=True).from_string(
    """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>{{ title }}</title>
<style>{{ css }}</style>
</head>
<body>
<header>
<h1>{{ title }}</h1>
<p class="lead">{{ subtitle }}</p>
{% if generated %}<p class="meta">Generated {{ generated }}</p>{% endif %}
<nav aria-label="Sections"><ol>
{% for s in sections %}<li><a href="#{{ s.id }}">{{ s.title }}</a>{% if s.status != "ok" %} <span class="badge {{ s.status }}">{{ s.status }}</span>{% endif %}</li>
{% endfor %}</ol></nav>
</header>
<main>
{% for s in sections %}<section id="{{ s.id }}" class="status-{{ s.status }}" aria-labelledby="{{ s.id }}-h">
<h2 id="{{ s.id }}-h">{{ s.title }}{% if s.status != "ok" %} <span class="badge {{ s.status }}">{{ s.status }}</span>{% endif %}</h2>
{% if s.problems %}<div class="problems" role="note"><strong>{% if s.status == "missing" %}Missing:{% else %}Partly missing:{% endif %}</strong><ul>{% for p in s.problems %}<li>{{ p }}</li>{% endfor %}</ul></div>{% endif %}
{{ s.body | safe }}
</section>
{% endfor %}</main>
<footer><p>Sources and inputs</p><ul>{% for line in inputs %}<li>{{ line }}</li>{% endfor %}</ul>
<p>guarantor {{ version }}. Every figure names its source file, date and method in its caption.</p></footer>
</body>
</html>
"""
)

CSS = """
:root{--ink:#1a1a1a;--muted:#555;--rule:#d0d0d0;--ok:#00745a;--bad:#b03a00;--warn:#8a5a00}
*{box-sizing:border-box}
body{font-family:"DejaVu Sans",system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:var(--ink);max-width:78em;margin:0 auto;padding:1em 1.5em;line-height:1.45}
h1{font-size:1.7em;margin:.2em 0}h2{font-size:1.35em;border-bottom:2px solid var(--ink);padding-bottom:.2em;margin-top:2em}
h3{font-size:1.1em;margin-top:1.4em}
.lead{color:var(--muted);margin:.2em 0 1em}.meta{color:var(--muted);font-size:.85em}
nav ol{columns:2;font-size:.95em}
.badge{font-size:.7em;padding:.1em .5em;border-radius:.6em;vertical-align:middle;color:#fff;background:var(--warn)}
.badge.missing{background:var(--bad)}
.problems{border-left:4px solid var(--bad);background:#fff4ee;padding:.4em 1em;margin:.6em 0}
.status-partial .problems{border-color:var(--warn);background:#fff9e8}
.tw{overflow-x:auto}
table{border-collapse:collapse;margin:.6em 0;font-size:.88em}
caption{text-align:left;font-weight:bold;padding:.3em 0}
th,td{border-bottom:1px solid var(--rule);padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f2f2f2}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1em 0}figure svg{max-width:100%;height:auto}
figcaption{font-size:.82em;color:var(--muted)}
.treaty{border:1px solid var(--rule);padding:0 1.2em;max-height:42em;overflow-y:auto;font-family:Georgia,serif}
.treaty h1{font-size:1.3em}.treaty h2{font-size:1.1em;border:none}
.st-met{color:var(--ok)}.st-breached{color:var(--bad);font-weight:bold}.st-overdue{color:var(--warn);font-weight:bold}
:target{background:#fff3b0}
footer{margin-top:3em;border-top:1px solid var(--rule);font-size:.82em;color:var(--muted)}
@media print{nav{display:none}.treaty{max-height:none;overflow:visible}section{break-inside:auto}figure{break-inside:avoid}}
"""


def assemble(
    title: str,
    subtitle: str,
    sections: list[Section],
    inputs: list[str],
    version: str,
    generated: str | None = None,
) -> str:
    """The whole report as one HTML document (no external references)."""
    return _TEMPLATE.render(
        title=title,
        subtitle=subtitle,
        sections=sections,
        inputs=inputs,
        version=version,
        generated=generated,
        css=CSS.strip(),
    )
