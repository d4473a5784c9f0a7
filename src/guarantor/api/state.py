"""What the service holds between requests: the engine, the chain writer, a token cache and
summary caches keyed by chain head; handed to routes as a dependency."""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from collections.abc import Callable
from typing import Annotated, Any

import orjson
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine

from guarantor.ledger import chain
from guarantor.ledger.access import Principal, authenticate
from guarantor.ledger.summary import FlowReader
from guarantor.ledger.writer import ChainWriter

TOKEN_CACHE_SECONDS = 2.0  # a revoked token stops working within this time
MAX_CACHED_READS = 1024  # distinct summary/split queries kept (each a few kB)
HEAD_CHECK_SECONDS = 0.05  # cached summaries notice other processes' writes within this time


class State:
    """What the app holds: the engine, a short-lived token cache, and summary caches keyed by chain head."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.lock = threading.Lock()
        self.tokens: dict[str, tuple[float, Principal | None]] = {}
        self.cache: dict[tuple[Any, ...], tuple[int, bytes]] = {}
        self.head_seq = -1
        self.writer = ChainWriter(engine)
        self.head_checked = -1.0
        self.flows = FlowReader()
        # per event loop (a lock belongs to one loop; test clients may start several)
        self.building: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, dict[tuple[Any, ...], asyncio.Lock]
        ] = weakref.WeakKeyDictionary()

    async def principal(self, secret: str) -> Principal | None:
        """The principal of a token, cached for a couple of seconds (DB lookups off the event loop)."""
        now = time.monotonic()
        hit = self.tokens.get(secret)
        if hit is not None and now - hit[0] < TOKEN_CACHE_SECONDS:
            return hit[1]
        found = await run_in_threadpool(authenticate, self.engine, secret)
        with self.lock:
            if len(self.tokens) > 10_000:
                self.tokens.clear()
            self.tokens[secret] = (now, found)
        return found

    def wrote(self, seq: int | None) -> None:
        """Note a write by this process (its seq, or None when it failed): reads after it see it."""
        with self.lock:
            if seq is None:
                self.head_checked = -1.0  # the outcome is unknown: ask the database next time
            else:
                self.head_seq = max(self.head_seq, seq)

    async def cached(self, key: tuple[Any, ...], build: Callable[[], Any]) -> bytes:
        """JSON bytes for a read that depends only on the ledger content, rebuilt when the head moves.

        A write through this process moves the known head at once; the head is re-read from the
        database at most every HEAD_CHECK_SECONDS, so a write by another process shows within that time.
        """
        locks = self.building.setdefault(asyncio.get_running_loop(), {})
        if time.monotonic() - self.head_checked > HEAD_CHECK_SECONDS:
            # one head query at a time: requests arriving meanwhile wait for its answer
            async with locks.setdefault(("head",), asyncio.Lock()):
                started = time.monotonic()
                if started - self.head_checked > HEAD_CHECK_SECONDS:
                    seq = (await run_in_threadpool(chain.head, self.engine))[0]
                    with self.lock:  # the chain only grows: a slow answer must not move it back
                        self.head_seq = max(self.head_seq, seq)
                        self.head_checked = started
        hit = self.cache.get(key)
        if hit is not None and hit[0] == self.head_seq:
            return hit[1]
        # One build per key at a time: requests that miss together wait for it instead of each
        # rebuilding the same answer in the thread pool (a write would otherwise cost N rebuilds).
        async with locks.setdefault(key, asyncio.Lock()):
            hit = self.cache.get(key)
            if hit is not None and hit[0] == self.head_seq:
                return hit[1]
            head_seq = self.head_seq
            body = await run_in_threadpool(
                lambda: orjson.dumps(build(), option=orjson.OPT_SORT_KEYS)
            )
            if len(self.cache) >= MAX_CACHED_READS:  # keys come from query strings: bound them
                self.cache.clear()
                locks.clear()
            self.cache[key] = (head_seq, body)
        return body


async def get_state(request: Request) -> State:
    """The state of the app serving this request (async: a sync dependency would cost a thread hop)."""
    state: State = request.app.state.guarantor
    return state


AppState = Annotated[State, Depends(get_state)]
