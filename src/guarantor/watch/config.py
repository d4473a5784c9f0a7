"""The watch configuration: one YAML file (agreements, data, schedule, ledger, webhooks)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from guarantor.errors import Position, UserError
from guarantor.spec.load import load_yaml_model

WATCH_SCHEMA = "guarantor/watch@1"


class _WatchModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class WatchedAgreement(_WatchModel):
    """One agreement watched against its data: territory snapshots and/or event files."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    agreement: str
    from_: dt.date = Field(alias="from")
    territory: str | None = (
        None  # folder or archive of daily snapshots; `data:REL` in the data folder
    )
    events: list[str] = Field(default_factory=list)
    actors: str | None = None
    border: str | None = None  # the beneficiary's border (GeoJSON); default: the data folder's
    attacks_from_territory: bool = False

    @model_validator(mode="after")
    def _some_data(self) -> WatchedAgreement:
        if self.territory is None and not self.events:
            raise ValueError("an agreement needs territory, events or both to watch")
        return self


class LedgerSettings(_WatchModel):
    """Where records go and who signs them."""

    database: str  # a database URL or an SQLite file path (relative to the config file)
    party: str = "guarantor-watch"
    key: str = "watch-key.pem"  # Ed25519 private key (PEM); created on first run, mode 0600


class Webhook(_WatchModel):
    """A subscriber: records are POSTed as JSON, signed with HMAC-SHA256 of the body."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    url: str = Field(pattern=r"^https?://")
    secret: str | None = None
    secret_env: str | None = None  # the name of an environment variable holding the secret
    attempts: int = Field(default=4, ge=1, le=20)
    timeout_seconds: float = Field(default=5.0, gt=0, le=120)

    @model_validator(mode="after")
    def _one_secret(self) -> Webhook:
        if (self.secret is None) == (self.secret_env is None):
            raise ValueError("give exactly one of secret or secret_env")
        return self

    def secret_bytes(self) -> bytes | None:
        """The shared secret (None: its environment variable is not set)."""
        if self.secret is not None:
            return self.secret.encode()
        value = os.environ.get(self.secret_env or "")
        return value.encode() if value else None


class Schedule(_WatchModel):
    """How often to look for new data."""

    every_seconds: float = Field(default=3600.0, gt=0)


class DataSettings(_WatchModel):
    """Where the data folder is (`data:` paths) and whether to fetch new days before a tick."""

    folder: str | None = None  # default: --data / GUARANTOR_DATA, ../shared/data, the cache
    fetch: bool = False  # run `data fetch --only territory` (and events) before each tick
    mirror: str | None = None


class WatchConfig(_WatchModel):
    """The whole configuration file."""

    schema_: str = Field(default=WATCH_SCHEMA, alias="schema")
    state: str = "watch-state"  # folder for checkpoints and webhook cursors (keep it private)
    schedule: Schedule = Field(default_factory=Schedule)
    data: DataSettings = Field(default_factory=DataSettings)
    ledger: LedgerSettings
    agreements: list[WatchedAgreement] = Field(min_length=1)
    webhooks: list[Webhook] = Field(default_factory=list)


@dataclass(frozen=True)
class LoadedConfig:
    """A configuration and the file it came from (relative paths are beside it)."""

    config: WatchConfig
    file: Path

    def path(self, text: str) -> Path:
        """A path from the file, relative to the file's folder."""
        p = Path(text).expanduser()
        return p if p.is_absolute() else (self.file.parent / p).resolve()

    def database_url(self) -> str:
        """The ledger database: a URL as given, a path relative to the config file."""
        text = self.config.ledger.database
        return text if "://" in text else str(self.path(text))


def load_config(path: Path) -> LoadedConfig:
    """Read a watch configuration; errors name file:line:column (exit 2)."""
    config, _ = load_yaml_model(path, WatchConfig)
    if config.schema_ != WATCH_SCHEMA:
        raise UserError(
            f"schema is {config.schema_!r}, expected {WATCH_SCHEMA!r}", Position(str(path))
        )
    names = [a.name for a in config.agreements]
    if len(set(names)) != len(names):
        raise UserError("two agreements share a name", Position(str(path)))
    hooks = [w.name for w in config.webhooks]
    if len(set(hooks)) != len(hooks):
        raise UserError("two webhooks share a name", Position(str(path)))
    return LoadedConfig(config, path.resolve())
