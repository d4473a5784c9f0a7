"""A persistent cache of processed snapshots and day-to-day changes, keyed by content hashes."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from types import TracebackType

import numpy as np
from numpy.typing import NDArray

from guarantor.sources.locate import cache_dir

# Stdlib sqlite3 rather than SQLAlchemy: a single-user local cache of a few thousand rows
# keyed by hashes, where an ORM would add start-up time to every CLI call and nothing else.
# 2: changes measured on lon/lat pieces with geodesic areas (1 measured them in a plane)
SCHEMA_VERSION = "territory-cache-2"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS stat (stat_key TEXT PRIMARY KEY, digest TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS snapshot (
  digest TEXT PRIMARY KEY, area_km2 REAL NOT NULL, repaired INTEGER NOT NULL,
  quarantined INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pair (
  prev TEXT NOT NULL, cur TEXT NOT NULL, gained_km2 REAL NOT NULL, lost_km2 REAL NOT NULL,
  PRIMARY KEY (prev, cur));
CREATE TABLE IF NOT EXISTS unit_pair (
  prev TEXT NOT NULL, cur TEXT NOT NULL, units TEXT NOT NULL, gained BLOB NOT NULL,
  lost BLOB NOT NULL, PRIMARY KEY (prev, cur, units));
CREATE TABLE IF NOT EXISTS unit_base (
  digest TEXT NOT NULL, units TEXT NOT NULL, controlled BLOB NOT NULL,
  PRIMARY KEY (digest, units));
"""


def default_cache_path() -> Path:
    """Where the processed-territory cache lives by default."""
    return cache_dir().parent / "territory.sqlite"


class HistoryCache:
    """Results per snapshot digest and per (previous, current) digest pair; safe to delete."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(
            path, timeout=120
        )  # other processes may be writing the same cache
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)
        row = self.db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if row is None:
            self.db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        elif row[0] != SCHEMA_VERSION:
            for table in ("stat", "snapshot", "pair", "unit_pair", "unit_base"):
                self.db.execute(f"DELETE FROM {table}")
            self.db.execute("UPDATE meta SET value=? WHERE key='schema'", (SCHEMA_VERSION,))
        self.db.commit()

    def __enter__(self) -> HistoryCache:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Commit and close."""
        self.db.commit()
        self.db.close()

    def commit(self) -> None:
        """Make what was written so far durable."""
        self.db.commit()

    def digests_for_stats(self) -> dict[str, str]:
        """Known digests of files on disk by path|size|mtime."""
        return dict(self.db.execute("SELECT stat_key, digest FROM stat").fetchall())

    def put_stat(self, stat_key: str, digest: str) -> None:
        """Remember the digest of an unchanged file on disk."""
        self.db.execute("INSERT OR REPLACE INTO stat VALUES (?, ?)", (stat_key, digest))

    def snapshots(self) -> dict[str, tuple[float, int, int]]:
        """Area, repaired and quarantined counts per digest."""
        rows = self.db.execute("SELECT digest, area_km2, repaired, quarantined FROM snapshot")
        return {d: (a, r, q) for d, a, r, q in rows}

    def put_snapshot(self, digest: str, area_km2: float, repaired: int, quarantined: int) -> None:
        """Store a snapshot's area."""
        self.db.execute(
            "INSERT OR REPLACE INTO snapshot VALUES (?, ?, ?, ?)",
            (digest, area_km2, repaired, quarantined),
        )

    def pairs(self) -> dict[tuple[str, str], tuple[float, float]]:
        """Gained and lost km² per (previous, current) digest pair."""
        rows = self.db.execute("SELECT prev, cur, gained_km2, lost_km2 FROM pair")
        return {(p, c): (g, lo) for p, c, g, lo in rows}

    def put_pair(self, prev: str, cur: str, gained: float, lost: float) -> None:
        """Store a pair's gained and lost km²."""
        self.db.execute(
            "INSERT OR REPLACE INTO pair VALUES (?, ?, ?, ?)", (prev, cur, gained, lost)
        )

    def unit_pairs(
        self, units: str
    ) -> dict[tuple[str, str], tuple[NDArray[np.float64], NDArray[np.float64]]]:
        """Per-unit gained and lost km² per digest pair for one boundaries file."""
        rows = self.db.execute(
            "SELECT prev, cur, gained, lost FROM unit_pair WHERE units=?", (units,)
        )
        return {
            (p, c): (np.frombuffer(g, dtype=np.float64), np.frombuffer(lo, dtype=np.float64))
            for p, c, g, lo in rows
        }

    def put_unit_pair(
        self,
        prev: str,
        cur: str,
        units: str,
        gained: NDArray[np.float64],
        lost: NDArray[np.float64],
    ) -> None:
        """Store a pair's per-unit gained and lost km²."""
        self.db.execute(
            "INSERT OR REPLACE INTO unit_pair VALUES (?, ?, ?, ?, ?)",
            (
                prev,
                cur,
                units,
                gained.astype(np.float64).tobytes(),
                lost.astype(np.float64).tobytes(),
            ),
        )

    def unit_base(self, digest: str, units: str) -> NDArray[np.float64] | None:
        """Per-unit controlled km² of one snapshot, if stored."""
        row = self.db.execute(
            "SELECT controlled FROM unit_base WHERE digest=? AND units=?", (digest, units)
        ).fetchone()
        return None if row is None else np.frombuffer(row[0], dtype=np.float64)

    def put_unit_base(self, digest: str, units: str, controlled: NDArray[np.float64]) -> None:
        """Store per-unit controlled km² of one snapshot."""
        self.db.execute(
            "INSERT OR REPLACE INTO unit_base VALUES (?, ?, ?)",
            (digest, units, controlled.astype(np.float64).tobytes()),
        )
