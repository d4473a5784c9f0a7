"""Group commit: concurrent appends queued to one writer thread and chained in shared transactions."""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future

from sqlalchemy import Engine

from guarantor.errors import UserError
from guarantor.ledger.chain import NewRecord, StoredRecord, append

MAX_BATCH = 256

Outcome = tuple[StoredRecord, bool]


class ChainWriter:
    """One thread that appends whatever is pending in one transaction, each record still chained to the last.

    The chain is a sequence, so appends are serialised anyway; batching them turns N commits (N fsyncs
    under the chain lock) into one, which is what lets many concurrent writers go fast. A record that
    fails (bad reference, signature, key conflict) fails alone: the batch is retried one by one.
    """

    def __init__(self, engine: Engine, max_batch: int = MAX_BATCH) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self.pending: queue.SimpleQueue[tuple[NewRecord, Future[Outcome]] | None] = (
            queue.SimpleQueue()
        )
        self.thread = threading.Thread(target=self._run, name="guarantor-chain-writer", daemon=True)
        self.thread.start()

    def submit(self, record: NewRecord) -> Future[Outcome]:
        """Queue a record; the future gives (stored record, created) once it is committed."""
        future: Future[Outcome] = Future()
        self.pending.put((record, future))
        return future

    def close(self) -> None:
        """Finish what is queued and stop the thread."""
        self.pending.put(None)
        self.thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            first = self.pending.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < self.max_batch:
                try:
                    item = self.pending.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            self._commit(batch)
            if stop:
                return

    def _commit(self, batch: list[tuple[NewRecord, Future[Outcome]]]) -> None:
        try:
            result = append(self.engine, [rec for rec, _ in batch])
        except UserError as exc:
            if len(batch) == 1:
                batch[0][1].set_exception(exc)
                return
            for one in batch:  # isolate the bad record(s): the others still go in
                self._commit([one])
            return
        except BaseException as exc:  # database down etc.: every waiting request learns it
            for _, future in batch:
                future.set_exception(exc)
            return
        for (_, future), outcome in zip(batch, result.outcomes, strict=True):
            future.set_result(outcome)
