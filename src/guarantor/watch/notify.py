"""Webhooks: the watch's ledger records POSTed in chain order, HMAC-signed, from a saved cursor.

The ledger is the outbox: a subscriber's cursor is the last record seq it acknowledged (a 2xx).
WebhookDelivery is at least once (a crash after the POST and before the cursor is saved sends that batch
again); the `cursor` and each record's `seq` and `key` let the receiver drop what it has seen.
Signature: `X-Guarantor-Signature: sha256=<hex HMAC-SHA256 of the raw body with the secret>`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guarantor.fileio import write_atomic
from guarantor.watch.config import Webhook

if TYPE_CHECKING:
    import httpx

    from guarantor.ledger.chain import StoredRecord

BATCH = 100
SIGNATURE_HEADER = "X-Guarantor-Signature"


def signature(secret: bytes, body: bytes) -> str:
    """The signature header's value for a body."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify_signature(secret: bytes, body: bytes, header: str) -> bool:
    """Whether a signature header matches the body (constant-time; for receivers and tests)."""
    return hmac.compare_digest(signature(secret, body), header)


@dataclass(frozen=True)
class WebhookDelivery:
    """What one webhook round did: records delivered, the cursor after, and the error if any."""

    webhook: str
    delivered: int
    cursor: int
    error: str | None = None


class Subscriber:
    """One webhook and its cursor (saved in the state folder)."""

    def __init__(
        self, hook: Webhook, state: Path, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.hook = hook
        self.cursor_file = state / f"webhook-{hook.name}.cursor.json"
        self.sleep = sleep
        self.cursor = self._load()

    def _load(self) -> int:
        try:
            value = json.loads(self.cursor_file.read_text(encoding="utf-8")).get("seq", 0)
        except (OSError, ValueError, AttributeError):
            return 0
        return value if isinstance(value, int) and value >= 0 else 0

    def _save(self) -> None:
        write_atomic(self.cursor_file, json.dumps({"seq": self.cursor}))

    def deliver(self, client: httpx.Client, records: Sequence[StoredRecord]) -> WebhookDelivery:
        """POST the records after the cursor, in batches; stop at the first batch that fails."""
        import httpx

        secret = self.hook.secret_bytes()
        if secret is None:
            return WebhookDelivery(
                self.hook.name, 0, self.cursor, f"secret_env {self.hook.secret_env} is not set"
            )
        pending = [r for r in records if r.seq > self.cursor]
        delivered = 0
        for start in range(0, len(pending), BATCH):
            batch = pending[start : start + BATCH]
            doc: dict[str, Any] = {
                "webhook": self.hook.name,
                "previous_cursor": self.cursor,
                "cursor": batch[-1].seq,
                "records": [r.as_dict() for r in batch],
            }
            body = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
            headers = {
                "Content-Type": "application/json",
                SIGNATURE_HEADER: signature(secret, body),
                "X-Guarantor-Cursor": str(batch[-1].seq),
            }
            error: str | None = None
            for attempt in range(self.hook.attempts):
                if attempt:
                    self.sleep(min(30.0, 0.5 * 2 ** (attempt - 1)))
                try:
                    response = client.post(
                        self.hook.url,
                        content=body,
                        headers=headers,
                        timeout=self.hook.timeout_seconds,
                    )
                except httpx.HTTPError as exc:
                    error = f"{exc.__class__.__name__}: {exc}"
                    continue
                if 200 <= response.status_code < 300:
                    error = None
                    break
                error = f"HTTP {response.status_code}"
                if 400 <= response.status_code < 500 and response.status_code != 429:
                    break  # the receiver refuses this batch: retrying will not help
            if error is not None:
                return WebhookDelivery(
                    self.hook.name, delivered, self.cursor, f"{self.hook.url}: {error}"
                )
            self.cursor = batch[-1].seq
            self._save()
            delivered += len(batch)
        return WebhookDelivery(self.hook.name, delivered, self.cursor)
