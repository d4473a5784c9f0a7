"""Map drawing: polygons (with holes) and points onto matplotlib axes, in lon/lat."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath


def polygon_path(geom: shapely.Geometry) -> MplPath | None:
    """One compound matplotlib path for all polygons of a geometry (holes as inner rings)."""
    polys = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and not g.is_empty]
    if not polys:
        return None
    verts: list[Any] = []
    codes: list[Any] = []
    for poly in polys:
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)
            if len(xy) < 3:
                continue
            ring_codes = np.full(len(xy), MplPath.LINETO, dtype=np.uint8)
            ring_codes[0] = MplPath.MOVETO
            ring_codes[-1] = MplPath.CLOSEPOLY
            verts.append(xy)
            codes.append(ring_codes)
    if not verts:
        return None
    return MplPath(np.concatenate(verts), np.concatenate(codes))


def draw_polygons(ax: Axes, geom: shapely.Geometry | None, **style: Any) -> bool:
    """Draw a polygonal geometry; False when there was nothing to draw."""
    if geom is None or geom.is_empty:
        return False
    path = polygon_path(geom)
    if path is None:
        return False
    ax.add_patch(PathPatch(path, **style))
    return True


def simplified(geom: shapely.Geometry, tolerance_deg: float) -> shapely.Geometry:
    """A lighter copy of a lon/lat geometry for drawing (topology kept)."""
    return shapely.simplify(geom, tolerance_deg, preserve_topology=True)
