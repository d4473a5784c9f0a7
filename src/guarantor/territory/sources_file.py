"""The YAML list of territory sources with their priorities (`--territory sources.yaml`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SourceItem(BaseModel):
    """One source: a path (relative to the YAML file), its priority and reading options."""

    model_config = ConfigDict(extra="forbid")

    path: str
    priority: int | None = Field(default=None, description="lower is preferred; default: order")
    layers: list[str] | None = Field(default=None, description="raw dumps: layers to keep")
    layer: str | None = Field(default=None, description="ISW area series: the layerType to read")


class SourcesFile(BaseModel):
    """`territory:` a list of sources, most preferred first (or with priorities)."""

    model_config = ConfigDict(extra="forbid")

    territory: list[SourceItem]
