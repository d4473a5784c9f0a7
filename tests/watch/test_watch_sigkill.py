"""The watch service killed with SIGKILL mid-run: after restarts, every record once, none lost."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.watch.conftest import Feed, Receiver, write_config

from guarantor.ledger.chain import verify
from guarantor.watch.config import load_config
from guarantor.watch.service import Watcher

GUARANTOR = Path(sys.executable).parent / "guarantor"


def _keys(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [k for (k,) in conn.execute("select key from records where kind like 'watch_%'")]


def _stamp(path: Path) -> int:
    return path.stat().st_mtime_ns if path.exists() else 0


def _wait_for_change(path: Path, before: int, limit: float = 60.0) -> None:
    end = time.monotonic() + limit
    while _stamp(path) == before and time.monotonic() < end:
        time.sleep(0.02)


def test_sigkill_mid_run_neither_duplicates_nor_loses(feed: Feed, receiver: Receiver) -> None:
    config = write_config(feed, webhook=receiver.url, every=0.05)
    env = dict(os.environ, GUARANTOR_OFFLINE="1")
    checkpoint = feed.root / "state" / "syn.checkpoint"
    chunks = [(0, 8), (8, 13), (13, 19), (19, 24), (24, 30)]
    for i, (first, last) in enumerate(chunks):
        feed.publish(first, last)
        before = _stamp(checkpoint)
        proc = subprocess.Popen(
            [str(GUARANTOR), "watch", str(config)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            if i % 2 == 0:
                _wait_for_change(checkpoint, before)  # it took the new days; kill it in its loop
                time.sleep(0.05 * i)
            else:
                time.sleep(0.3 * i)  # killed during start-up or its first tick
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=60)
        assert proc.returncode == -signal.SIGKILL
    assert _keys(feed.root / "ledger.sqlite")  # the killed runs did record (and were cut short)
    w = Watcher(load_config(config), sleep=lambda _s: None)  # the last restart finishes the job
    assert w.tick().failures == []
    got = _keys(feed.root / "ledger.sqlite")
    assert len(got) == len(set(got))
    assert verify(w.recorder.engine).ok
    w.close()
    # the same feed watched by one uninterrupted run records the same things
    ref = feed.root / "ref"
    ref.mkdir()
    shutil.copy(config, ref / "watch.yaml")
    clean = Watcher(load_config(ref / "watch.yaml"), sleep=lambda _s: None)
    clean.tick()
    clean.close()
    assert sorted(got) == sorted(_keys(ref / "ledger.sqlite"))
    # subscribers got every record, in order, at least once; the cursor lets them drop repeats
    seqs = receiver.seqs()
    with sqlite3.connect(feed.root / "ledger.sqlite") as conn:
        watch_seqs = [
            s for (s,) in conn.execute("select seq from records where kind like 'watch_%'")
        ]
    assert sorted(set(seqs)) == sorted(watch_seqs)
