"""PNG maps of control, the agreed line, incidents and swap areas (matplotlib, equal-area plane)."""

from __future__ import annotations

import os
import tempfile
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath

from guarantor.territory.boundaries import Units
from guarantor.territory.geodesy import to_plane
from guarantor.territory.incident import Incident

HELD = "#d9534f"
AGREED = "#222222"
OBLIGOR_INCIDENT = "#7b0000"
BENEFICIARY_INCIDENT = "#1f5fbf"
FRONT = "#7a1f1f"
SWAP_COLOURS = ("#f0ad4e", "#5cb85c", "#9b59b6", "#17a2b8")


@dataclass
class MapLayers:
    """What to draw; geometries are lon/lat except where noted."""

    title: str
    data_note: str  # data date and source, printed on the figure
    held: shapely.Geometry | None = None
    held_label: str = "held by the obligor"
    land: shapely.Geometry | None = None
    units: Units | None = None
    agreed: shapely.Geometry | None = None
    incidents: Sequence[Incident] = ()
    swaps: dict[str, shapely.Geometry] = field(default_factory=dict)  # plane
    line_after: shapely.Geometry | None = None  # plane
    focus: tuple[float, float, float, float] | None = None  # plane bounds (m)
    places: Sequence[tuple[str, float, float]] = ()  # (name, lon, lat) labelled when in view
    current_line: bool = False  # draw the held area's front (its edge across the land) as a line
    label_incidents: bool = True  # the six largest incidents labelled with id and area


def _patch(geom: shapely.Geometry, **style: object) -> PathPatch | None:
    """A matplotlib patch for a plane polygon (holes kept), coordinates in km."""
    verts: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for poly in shapely.get_parts(geom):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords) / 1000.0
            c = np.full(len(xy), MplPath.LINETO, dtype=np.uint8)
            c[0], c[-1] = MplPath.MOVETO, MplPath.CLOSEPOLY
            verts.append(xy)
            codes.append(c)
    if not verts:
        return None
    return PathPatch(MplPath(np.concatenate(verts), np.concatenate(codes)), **style)


def _add(ax: Axes, geom: shapely.Geometry | None, **style: object) -> None:
    if geom is None or geom.is_empty:
        return
    patch = _patch(geom, **style)
    if patch is not None:
        ax.add_patch(patch)


def _lines(ax: Axes, geom: shapely.Geometry | None, **style: Any) -> None:
    if geom is None or geom.is_empty:
        return
    for part in shapely.get_parts(
        shapely.boundary(geom) if geom.geom_type.endswith("Polygon") else geom
    ):
        for line in shapely.get_parts(part):
            xy = np.asarray(line.coords) / 1000.0
            if len(xy) > 1:
                ax.plot(xy[:, 0], xy[:, 1], **style)


def _scale_bar(ax: Axes) -> None:
    """A 100 km bar (the plane is equal-area; its scale error inside Ukraine is under 0.5 %)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = 100.0 if (x1 - x0) > 300 else 20.0
    bx, by = x0 + 0.04 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    ax.plot([bx, bx + length], [by, by], color="black", linewidth=3, solid_capstyle="butt")
    ax.text(bx + length / 2, by + 0.015 * (y1 - y0), f"{length:.0f} km", ha="center", fontsize=8)


def draw_map(layers: MapLayers, dpi: int = 110) -> Figure:
    """Draw the layers onto a new figure (the caller saves and closes it)."""
    land = to_plane(layers.land) if layers.land is not None else None
    if layers.focus is not None:
        minx, miny, maxx, maxy = (v / 1000 for v in layers.focus)
    elif land is not None:
        minx, miny, maxx, maxy = (v / 1000 for v in land.bounds)
    else:
        minx, miny, maxx, maxy = -800.0, -400.0, 800.0, 400.0
    pad = 0.03 * max(maxx - minx, maxy - miny)
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    ratio = (maxy - miny) / max(maxx - minx, 1.0)
    width = 10.0 if ratio < 1 else max(6.5, 8.5 / ratio)
    fig, ax = plt.subplots(figsize=(width, min(11.0, width * ratio) + 1.2), dpi=dpi)
    fig.subplots_adjust(left=0.02, right=0.98, top=0.93, bottom=0.09)
    handles: list[Patch] = []
    _add(ax, land, facecolor="#f4f1ea", edgecolor="#555555", linewidth=0.8, zorder=0)
    if layers.units is not None:
        for geom in layers.units.plane:
            _lines(ax, geom, color="#9a9a9a", linewidth=0.4, zorder=1)
    if layers.held is not None:
        held = to_plane(layers.held)
        _add(ax, held, facecolor=HELD, alpha=0.45, edgecolor="none", zorder=2)
        handles.append(Patch(facecolor=HELD, alpha=0.45, label=layers.held_label))
        if layers.current_line and land is not None:
            _lines(ax, _front(held, land), color=FRONT, linewidth=1.3, zorder=4)
            handles.append(Patch(color=FRONT, label="current line (front of the held area)"))
    for i, (name, geom) in enumerate(sorted(layers.swaps.items())):
        colour = SWAP_COLOURS[i % len(SWAP_COLOURS)]
        _add(ax, geom, facecolor="none", edgecolor=colour, hatch="///", linewidth=1.0, zorder=3)
        handles.append(
            Patch(facecolor="none", edgecolor=colour, hatch="///", label=f"swap: {name}")
        )
    if layers.line_after is not None:
        _lines(ax, layers.line_after, color="#0b6e4f", linewidth=1.6, zorder=5)
        handles.append(Patch(color="#0b6e4f", label="contact line after the swap"))
    if layers.agreed is not None:
        _lines(ax, to_plane(layers.agreed), color=AGREED, linewidth=0.9, linestyle="--", zorder=4)
        handles.append(
            Patch(facecolor="none", edgecolor=AGREED, linestyle="--", label="agreed line")
        )
    shown = {"obligor": False, "beneficiary": False}
    for inc in layers.incidents:
        colour = OBLIGOR_INCIDENT if inc.side == "obligor" else BENEFICIARY_INCIDENT
        _add(
            ax,
            inc.footprint,
            facecolor=colour,
            alpha=0.85,
            edgecolor=colour,
            linewidth=0.6,
            zorder=6,
        )
        shown[inc.side] = True
    for side, colour in (("obligor", OBLIGOR_INCIDENT), ("beneficiary", BENEFICIARY_INCIDENT)):
        if shown[side]:
            handles.append(Patch(facecolor=colour, label=f"incidents: {side} advance"))
    labelled = (
        sorted(layers.incidents, key=lambda i: -i.area_km2)[:6] if layers.label_incidents else []
    )
    for inc in labelled:
        x, y = shapely.centroid(inc.footprint).coords[0]
        ax.annotate(
            f"{inc.id}\n{inc.area_km2:,.0f} km²",
            (x / 1000, y / 1000),
            xytext=(12, 12),
            textcoords="offset points",
            fontsize=7,
            arrowprops={"arrowstyle": "-", "linewidth": 0.5},
            zorder=7,
        )
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    _label_places(ax, layers.places, (minx, miny, maxx, maxy))
    _scale_bar(ax)
    ax.set_title(layers.title, fontsize=12)
    ax.legend(handles=handles, loc="upper left", fontsize=8, framealpha=0.9)
    note = textwrap.fill(layers.data_note, width=int(width * 17))
    note += (
        "\nMap: Lambert azimuthal equal-area on WGS84, centred 48.5N 31.5E. Made with guarantor."
    )
    fig.text(0.02, 0.01, note, fontsize=7, color="#333333", va="bottom")
    return fig


def _front(held: shapely.Geometry, land: shapely.Geometry) -> shapely.Geometry:
    """The held area's outline where it runs across the land (not along the border), plane."""
    core = shapely.buffer(land, -2_000.0)
    return shapely.intersection(shapely.boundary(held), core)


def _label_places(
    ax: Axes, places: Sequence[tuple[str, float, float]], view: tuple[float, float, float, float]
) -> None:
    """A dot and a name for each place inside the view (km bounds), in the order given."""
    if not places:
        return
    pts = to_plane(shapely.points([(lon, lat) for _, lon, lat in places]))
    xy = shapely.get_coordinates(pts) / 1000.0
    minx, miny, maxx, maxy = view
    for (name, _, _), (x, y) in zip(places, xy, strict=True):
        if minx <= x <= maxx and miny <= y <= maxy:
            ax.plot([x], [y], marker="o", markersize=3, color="#111111", zorder=8)
            ax.annotate(
                name,
                (x, y),
                xytext=(4, 3),
                textcoords="offset points",
                fontsize=7.5,
                color="#111111",
                zorder=8,
                path_effects=[_halo()],
            )


def _halo() -> Any:
    from matplotlib import patheffects

    return patheffects.withStroke(linewidth=2.2, foreground="white")


def render_map(layers: MapLayers, path: Path) -> Path:
    """Draw the layers and write a PNG atomically (temporary file, then rename)."""
    fig = draw_map(layers)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".png", dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, format="png", metadata={"Software": None})
        os.replace(tmp, path)
    finally:
        plt.close(fig)
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
