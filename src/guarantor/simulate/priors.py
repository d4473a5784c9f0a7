"""Prior distributions of the scenario parameters: what we do not know, stated as a distribution.

Each prior maps a uniform draw u in (0, 1) to a value through its quantile function, so that
a parameter draw is reproducible from its u and the same u can serve a design's override.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray


class Support(StrEnum):
    """The values a parameter can take; its prior must stay inside them."""

    probability = "probability"  # [0, 1]
    positive = "positive"  # (0, inf)
    non_negative = "non_negative"  # [0, inf)
    whole = "whole"  # a whole number >= 1 (fixed)

    def admits(self, low: float, high: float, above_low: bool = False) -> bool:
        """True when every value from low (excluded when `above_low`) to high is a possible
        value of this support."""
        if self is Support.probability:
            return low >= 0.0 and high <= 1.0
        if self is Support.positive:
            return low > 0.0 or (low == 0.0 and above_low)
        if self is Support.non_negative:
            return low >= 0.0
        return low >= 1.0 and float(low).is_integer() and low == high  # whole: fixed

    def describe(self) -> str:
        """The support in words, for messages."""
        return {
            Support.probability: "a probability in [0, 1]",
            Support.positive: "greater than 0",
            Support.non_negative: "0 or more",
            Support.whole: "a fixed whole number of at least 1",
        }[self]


class _Prior(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def bounds(self) -> tuple[float, float]:
        """The smallest and largest value the prior can give."""
        raise NotImplementedError

    def above_low(self) -> bool:
        """True when the prior never gives its lower bound itself (a log-normal never gives 0)."""
        return False

    def ppf(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        """The values at quantiles u."""
        raise NotImplementedError

    def median(self) -> float:
        """The central value (its median)."""
        import numpy as np

        return float(self.ppf(np.array([0.5]))[0])

    def describe(self) -> str:
        """The prior in a few words, for tables."""
        raise NotImplementedError


class FixedPrior(_Prior):
    """No uncertainty: a convention, a definition, or a value fixed by construction."""

    kind: Literal["fixed"]
    value: float

    def bounds(self) -> tuple[float, float]:
        return self.value, self.value

    def ppf(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        import numpy as np

        return np.full(np.shape(u), self.value)

    def describe(self) -> str:
        return f"fixed {self.value:g}"


class UniformPrior(_Prior):
    """Every value between low and high equally likely."""

    kind: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> UniformPrior:
        if not self.low < self.high:
            raise ValueError(f"expected low < high, got {self.low:g} and {self.high:g}")
        return self

    def bounds(self) -> tuple[float, float]:
        return self.low, self.high

    def ppf(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        return self.low + (self.high - self.low) * u

    def describe(self) -> str:
        return f"uniform {self.low:g}..{self.high:g}"


class TriangularPrior(_Prior):
    """Most likely at mode, falling linearly to zero at low and high."""

    kind: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> TriangularPrior:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(
                f"expected low <= mode <= high with low < high, got {self.low:g}, "
                f"{self.mode:g}, {self.high:g}"
            )
        return self

    def bounds(self) -> tuple[float, float]:
        return self.low, self.high

    def ppf(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        from scipy import stats

        width = self.high - self.low
        out: NDArray[np.float64] = stats.triang.ppf(
            u, (self.mode - self.low) / width, loc=self.low, scale=width
        )
        return out

    def describe(self) -> str:
        return f"triangular {self.low:g}..{self.mode:g}..{self.high:g}"


class BetaPrior(_Prior):
    """A probability: Beta with the given mean and concentration (alpha + beta)."""

    kind: Literal["beta"]
    mean: float = Field(gt=0.0, lt=1.0)
    concentration: float = Field(gt=0.0)

    def bounds(self) -> tuple[float, float]:
        return 0.0, 1.0

    def ppf(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        from scipy import stats

        a = self.mean * self.concentration
        b = (1.0 - self.mean) * self.concentration
        out: NDArray[np.float64] = stats.beta.ppf(u, a, b)
        return out

    def describe(self) -> str:
        return f"beta mean {self.mean:g}, concentration {self.concentration:g}"


class LogNormalPrior(_Prior):
    """A positive quantity: log-normal with the given median and log-standard deviation."""

    kind: Literal["lognormal"]
    median_: float = Field(gt=0.0, alias="median")
    sigma: float = Field(gt=0.0)

    def bounds(self) -> tuple[float, float]:
        return 0.0, math.inf

    def above_low(self) -> bool:
        return True

    def ppf(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        from scipy import stats

        out: NDArray[np.float64] = stats.lognorm.ppf(u, self.sigma, scale=self.median_)
        return out

    def describe(self) -> str:
        return f"lognormal median {self.median_:g}, sigma {self.sigma:g}"


Prior = Annotated[
    FixedPrior | UniformPrior | TriangularPrior | BetaPrior | LogNormalPrior,
    Field(discriminator="kind"),
]
