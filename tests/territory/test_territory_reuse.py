"""Feature-level reuse when parsing raw dumps gives exactly what the ordinary parser gives."""

from __future__ import annotations

import json
import tarfile
from typing import Any

import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guarantor.errors import UserError
from guarantor.sources.snapshots import ReadOptions, SnapshotKind, parse_entry_bytes
from guarantor.territory.geodesy import geodesic_area_km2
from guarantor.territory.store import parse_cached

BORDER = shapely.box(22.0, 44.0, 40.0, 52.5)
OPTIONS = ReadOptions(border=BORDER)


def _box(x: float, y: float, w: float = 0.5, h: float = 0.4) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]],
    }


def _bowtie(x: float, y: float) -> dict[str, Any]:
    ring = [[x, y], [x + 0.4, y + 0.4], [x + 0.4, y], [x, y + 0.4], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


# A pool of features: selected layers (some overlapping, one invalid, one off the beneficiary,
# a collection, a label point), an unselected occupation-like layer, an unrelated layer.
POOL: list[tuple[str, dict[str, Any] | None]] = [
    ("Окуповано /// Occupied", _box(36.0, 47.0)),
    ("Окуповано /// Occupied", _box(36.3, 47.2)),
    ("Окуповано /// Occupied", _box(37.0, 48.0, 1.0, 0.8)),
    ("ОРДЛО /// CADR and CALR", _box(38.0, 48.0)),
    ("ОРДЛО /// CADR and CALR", _bowtie(38.5, 47.5)),
    ("Крим /// Occupied Crimea", _box(33.5, 45.0, 1.5, 0.6)),
    ("Окуповано /// Occupied", _box(2.0, 48.0)),  # France: off the beneficiary
    (
        "Окуповано /// Occupied",
        {"type": "GeometryCollection", "geometries": [_box(35.0, 47.5), _bowtie(35.2, 47.0)]},
    ),
    ("Окуповано /// Occupied", {"type": "Point", "coordinates": [36.1, 47.1]}),
    ("Окуповано /// Occupied", None),
    ("Окуповано 04.04", _box(30.0, 50.0)),
    ("Ізюм. Окуповано", _box(5.0, 50.0)),
    ("Звільнено /// Liberated", _box(31.0, 49.0)),
]


def _dump(picks: list[int]) -> bytes:
    features = [
        {"type": "Feature", "properties": {"name": POOL[i][0]}, "geometry": POOL[i][1]}
        for i in picks
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def _same(label: str, data: bytes) -> None:
    try:
        expected = parse_entry_bytes(data, label, SnapshotKind.raw, OPTIONS)
    except UserError as exc:
        with pytest.raises(UserError) as got:
            parse_cached(data, label, SnapshotKind.raw, OPTIONS)
        assert str(got.value) == str(exc)
        return
    got = parse_cached(data, label, SnapshotKind.raw, OPTIONS)
    for name in (
        "features",
        "repaired",
        "dropped_outside",
        "skipped_layers",
        "quarantined",
        "outside",
        "layers",
        "unselected",
    ):
        assert getattr(got, name) == getattr(expected, name), name
    assert got.geometry.geom_type == expected.geometry.geom_type
    assert shapely.normalize(got.geometry).equals_exact(shapely.normalize(expected.geometry), 0)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.lists(st.integers(0, len(POOL) - 1), min_size=0, max_size=8), min_size=1, max_size=6
    )
)
def test_cached_parser_equals_the_parser_over_a_series(dumps: list[list[int]]) -> None:
    # one series: later dumps repeat earlier features, so the caches are used
    for n, picks in enumerate(dumps):
        _same(f"dump{n}.geojson", _dump(picks))


def test_swapped_coordinates_are_refused_with_the_feature() -> None:
    swapped = {"type": "Polygon", "coordinates": [[[47, 36], [47, 37], [48, 37], [47, 36]]]}
    POOL.append(("Окуповано /// Occupied", swapped))
    try:
        _same("good.geojson", _dump([0, 1]))
        _same("swapped.geojson", _dump([0, len(POOL) - 1]))
        with pytest.raises(UserError, match="feature"):
            parse_cached(_dump([0, len(POOL) - 1]), "x.geojson", SnapshotKind.raw, OPTIONS)
    finally:
        POOL.pop()


def test_not_json_and_other_options_are_not_mixed() -> None:
    _same("bad.geojson", b'{"type": "FeatureCollection", "features": [')
    data = _dump([0, 6])
    wide = ReadOptions(border=shapely.box(-10.0, 30.0, 45.0, 60.0))
    a = parse_cached(data, "a", SnapshotKind.raw, OPTIONS)
    b = parse_cached(data, "a", SnapshotKind.raw, wide)
    assert a.dropped_outside == 1
    assert b.dropped_outside == 0  # the France box is inside the wide border: caches not shared


def test_real_raw_dumps_parse_the_same(shared_data) -> None:  # type: ignore[no-untyped-def]
    from guarantor.territory.boundaries import load_border

    archives = sorted((shared_data / "frontline").glob("deepstate_danielrose_raw_*.tar.xz"))
    if not archives:
        pytest.skip("no raw DeepState archive in the shared data")
    options = ReadOptions(
        border=load_border(
            shared_data / "boundaries/naturalearth_10m_ukraine_admin0_deu_pov.geojson"
        )
    )
    seen = 0
    with tarfile.open(archives[-1], "r:*") as tar:
        for member in tar:
            if not member.name.endswith(".geojson"):
                continue
            handle = tar.extractfile(member)
            assert handle is not None
            data = handle.read()
            expected = parse_entry_bytes(data, member.name, SnapshotKind.raw, options)
            got = parse_cached(data, member.name, SnapshotKind.raw, options)
            assert (got.layers, got.outside, got.unselected, got.repaired) == (
                expected.layers,
                expected.outside,
                expected.unselected,
                expected.repaired,
            )
            assert geodesic_area_km2(got.geometry) == pytest.approx(
                geodesic_area_km2(expected.geometry), rel=1e-12
            )
            seen += 1
            if seen >= 40:
                break
    assert seen == 40


@settings(max_examples=40, deadline=None)
@given(
    st.floats(-170.0, 170.0),
    st.floats(-70.0, 70.0),
    st.integers(256, 3000),
    st.floats(0.01, 3.0),
    st.integers(0, 2**32 - 1),
)
def test_long_rings_measured_in_pieces_equal_the_whole_ring(
    lon: float, lat: float, n: int, radius: float, seed: int
) -> None:
    import numpy as np

    from guarantor.territory.geodesy import GEOD, _ring_area

    rng = np.random.default_rng(seed)
    angles = np.sort(rng.uniform(0, 2 * np.pi, n))
    r = radius * rng.uniform(0.3, 1.0, n)
    ring = np.column_stack([lon + r * np.cos(angles), lat + r * np.sin(angles)])
    ring = np.vstack([ring, ring[:1]])
    whole, _ = GEOD.polygon_area_perimeter(ring[:, 0], ring[:, 1])
    assert _ring_area(ring) == pytest.approx(whole, rel=1e-9, abs=1e-3)
    # an edit of a few vertices: the pieces remembered from before still add up right
    edited = ring.copy()
    edited[n // 2 : n // 2 + 3] *= 1.0 + 1e-4
    whole, _ = GEOD.polygon_area_perimeter(edited[:, 0], edited[:, 1])
    assert _ring_area(edited) == pytest.approx(whole, rel=1e-9, abs=1e-3)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.floats(30.0, 38.0), st.floats(45.0, 51.0)), min_size=1, max_size=6))
def test_remembered_ring_areas_equal_pyproj(centres: list[tuple[float, float]]) -> None:
    from guarantor.territory.geodesy import GEOD

    # the same rings again, and again with one moved: remembered areas never go stale
    for shift in (0.0, 0.0, 0.01):
        parts = [shapely.Point(x, y).buffer(0.3, 64) for x, y in centres]
        parts[0] = shapely.affinity.translate(parts[0], shift, 0.0)
        geom = shapely.union_all(parts)
        expected = abs(GEOD.geometry_area_perimeter(shapely.orient_polygons(geom))[0]) / 1e6
        assert geodesic_area_km2(geom) == pytest.approx(expected, rel=1e-9)
