"""The bundled demo capture is exactly what resources/make_demo.py writes."""

from __future__ import annotations

import json
from pathlib import Path

from callscope.resources import make_demo

RESOURCES = Path(make_demo.__file__).resolve().parent


def test_demo_regenerates_byte_identically(tmp_path: Path) -> None:
    assert make_demo.main(["--out", str(tmp_path)]) == 0
    assert (tmp_path / "demo.pcap").read_bytes() == (RESOURCES / "demo.pcap").read_bytes()
    assert (tmp_path / "demo.truth.json").read_text() == \
        (RESOURCES / "demo.truth.json").read_text()


def test_demo_has_something_for_every_view() -> None:
    assert (RESOURCES / "demo.pcap").stat().st_size < 2_000_000
    doc = json.loads((RESOURCES / "demo.truth.json").read_text())
    fwd, bwd = doc["streams"]
    assert fwd["codec"] == bwd["codec"] == "PCMA" and fwd["sent"] == bwd["sent"] == 1500
    assert fwd["lost"] > 0 and fwd["out_of_order"] > 0  # random loss, jitter episode
    assert bwd["lost_unique"] >= 18 and bwd["duplicates"] > 0  # the 360 ms burst
    assert len(doc["rtcp"]) >= 10 and doc["sip"]["messages"][-2]["summary"] == "BYE"
