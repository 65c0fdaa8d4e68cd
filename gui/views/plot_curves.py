"""Plot items that hand pyqtgraph only what the visible time range needs.

Each item keeps its full-resolution arrays and, on :meth:`ViewFitted.refresh`, draws the
part around the visible range reduced by :mod:`decimate` to about two points per pixel
(every point once zoomed in far enough). The reduced data covers one view width beyond
each side, so a pan recomputes nothing until it leaves that cover; a zoom recomputes
once the span changed by REZOOM. For :class:`EnvelopeCurve` and :class:`EnvelopeSteps`,
``xData``/``yData`` are the full-resolution arrays the curve stands for; pyqtgraph's
``getData()`` returns what is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg

from callscope.gui.views import decimate
from callscope.gui.views.plot_data import F64, tick_segments

COVER = 1.0  # view widths prepared beyond each side of the visible range
REZOOM = 1.5  # recompute when the visible span grew or shrank by this factor


@dataclass(frozen=True)
class _Cover:
    lo: float
    hi: float
    span: float
    pixels: int

    def holds(self, lo: float, hi: float, pixels: int) -> bool:
        span = hi - lo
        return (
            pixels == self.pixels
            and self.lo <= lo
            and hi <= self.hi
            and self.span / REZOOM <= span <= self.span * REZOOM
        )


class ViewFitted:
    """Mixin: redraw for a visible range ``[lo, hi]`` seconds ``pixels`` wide when needed."""

    _cover: _Cover | None = None

    def refresh(self, lo: float, hi: float, pixels: int, force: bool = False) -> bool:
        """Redraw unless the data drawn already covers this view; True if it redrew."""
        if hi <= lo:
            return False
        if not force and self._cover is not None and self._cover.holds(lo, hi, pixels):
            return False
        span = hi - lo
        self._cover = _Cover(lo - COVER * span, hi + COVER * span, span, pixels)
        cover_pixels = round(pixels * (1 + 2 * COVER))
        self._draw(self._cover.lo, self._cover.hi, cover_pixels)
        return True

    def _draw(self, lo: float, hi: float, pixels: int) -> None:
        raise NotImplementedError


def _connect(y: F64) -> dict[str, Any]:
    """Line options: skip pyqtgraph's finite check when there is no NaN to break on."""
    finite = bool(np.isfinite(y).all())
    return {"connect": "all" if finite else "finite", "skipFiniteCheck": finite}


class EnvelopeCurve(pg.PlotDataItem, ViewFitted):
    """A per-packet series (x: arrival time s, y) drawn as its peak envelope.

    Add it to its plot before the first :meth:`refresh`. When ``x`` is not sorted, the
    points are handed over whole and pyqtgraph's own peak downsampling reduces them.
    """

    def __init__(self, x: F64, y: F64, x_sorted: bool = True, **opts: Any) -> None:
        super().__init__(**opts)
        self._x, self._y, self._sorted = x, y, x_sorted

    @property
    def xData(self) -> F64:
        return self._x

    @property
    def yData(self) -> F64:
        return self._y

    def _draw(self, lo: float, hi: float, pixels: int) -> None:
        if self._sorted:
            x, y = decimate.peak_envelope(self._x, self._y, lo, hi, pixels)
        elif self.getData()[0] is None:
            x, y = self._x, self._y
        else:
            return
        self.setData(x, y, **_connect(y))


class EnvelopeSteps(pg.PlotDataItem, ViewFitted):
    """Binned values (edges (k+1,), values (k,)) drawn as filled steps, or, while bins are
    narrower than a pixel, as the filled peak envelope of the bin values."""

    def __init__(self, edges: F64, values: F64, **opts: Any) -> None:
        super().__init__(**opts)
        self._edges, self._values = edges, values

    @property
    def xData(self) -> F64:
        return self._edges

    @property
    def yData(self) -> F64:
        return self._values

    def _draw(self, lo: float, hi: float, pixels: int) -> None:
        edges = self._edges
        x, y, stepped = decimate.step_envelope(edges, self._values, lo, hi, pixels)
        base = self.opts["fillLevel"]
        if not stepped and len(x) and base is not None:
            # Close the outline down to the fill level at the data's ends, as steps do.
            head, tail = lo <= edges[0], hi >= edges[-1]
            x = np.concatenate((edges[:1] if head else [], x, edges[-1:] if tail else []))
            y = np.concatenate(([base] if head else [], y, [base] if tail else []))
        self.setData(x, y, stepMode="center" if stepped else None)


class EventTicks(pg.PlotDataItem, ViewFitted):
    """Vertical ticks at sorted event ``times`` (s), centred on ``centre``, at most one
    per pixel column."""

    def __init__(self, times: F64, centre: float, half_height: float, **opts: Any) -> None:
        super().__init__(**opts)
        self.times = times
        self._centre, self._half = centre, half_height

    def _draw(self, lo: float, hi: float, pixels: int) -> None:
        x, y = tick_segments(decimate.tick_times(self.times, lo, hi, pixels),
                             self._centre, self._half)  # fmt: skip
        self.setData(x, y, connect="pairs")
