"""Verdicts from thresholds, and their persistence."""

from __future__ import annotations

import dataclasses
import math

from fakes import fake_result

from callscope.gui import settings
from callscope.gui.verdict import Reason, Thresholds, Verdict, judge


def test_each_figure_can_raise_the_verdict() -> None:
    stats = fake_result().streams[1].stats  # clean stream: tiny loss, jitter, delta
    limits = Thresholds()
    assert judge(stats, limits).level == Verdict.GOOD
    worse = dataclasses.replace(stats, lost_percent=2.0)
    assert judge(worse, limits).level == Verdict.WARN
    assert judge(worse, limits).reasons == (Reason.LOSS,)
    worst = dataclasses.replace(stats, lost_percent=5.0, max_jitter_ms=70.0)
    verdict = judge(worst, limits)
    assert verdict.level == Verdict.BAD
    assert set(verdict.reasons) == {Reason.LOSS, Reason.JITTER}
    delta = dataclasses.replace(stats, max_delta_ms=100.0)
    assert judge(delta, limits).reasons == (Reason.DELTA,)


def test_unknown_jitter_never_raises_the_verdict() -> None:
    stats = dataclasses.replace(fake_result().streams[1].stats, max_jitter_ms=math.nan)
    assert judge(stats, Thresholds()).level == Verdict.GOOD


def test_invalid_thresholds_are_detected() -> None:
    assert Thresholds().valid()
    assert not Thresholds(lost_percent_warn=5.0, lost_percent_bad=1.0).valid()
    assert not Thresholds(max_jitter_ms_warn=-1.0).valid()


def test_thresholds_survive_a_restart() -> None:
    limits = Thresholds(lost_percent_warn=0.5, max_delta_ms_bad=500.0)
    settings.save_thresholds(limits)
    assert settings.load_thresholds() == limits
