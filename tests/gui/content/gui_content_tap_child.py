"""Child process of the playback test: plays the tone call into an ALSA file tap.

Run with ``XDG_CONFIG_HOME`` pointing at an ``alsa/asoundrc`` whose default device
writes raw float32 to ``TAP`` (PortAudio reads the ALSA configuration once, when
sounddevice is imported, so this must be a fresh process). Prints one JSON line: the
audit actions written, and whether the samples that reached the device equal the
decoded timeline. No audio is written anywhere but the tap (the test's temp dir).

    python gui_content_tap_child.py WORKDIR TAP one|both
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[1] / "core" / "privacy"), str(HERE.parent / "privacy")]
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from gui_privacy_fixtures import consent_all, make_tone_world, session_of  # noqa: E402
from privacy_fixtures import log_actions  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from callscope.core.content.access import align_timelines, decode_for_listening  # noqa: E402
from callscope.gui.content.playback_controller import PlaybackController  # noqa: E402
from callscope.gui.content.player_bar import BOTH, PlayerBar  # noqa: E402


def main(workdir: Path, tap: Path, channels: str) -> dict[str, object]:
    app = QApplication([])
    world = make_tone_world(workdir)
    consent_all(world)
    session = session_of(world)
    source = world.extra["source"]

    def ask(streams: list[int], actions: set[str]):  # the consent step, confirmed
        return session.gate.request(world.sha, streams, {"listen"} | actions,
                                    case_ref="INC-1", reason="tap test")

    bar = PlayerBar()
    controller = PlaybackController(session, source, bar, ask=ask)
    if channels == "both":
        bar.channels_combo.setCurrentIndex(bar.channels_combo.findData(BOTH))
    controller.set_streams([2])
    before = len(log_actions(world.log))
    controller.play()
    deadline = time.monotonic() + 20
    while controller.state == "playing" and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    pb = controller.playback
    assert pb is not None
    grant = pb.grant
    timelines = [decode_for_listening(session.gate, grant, source, s, jitter_buffer_ms=50.0)
                 for s in pb.stream_ids]
    data, _rate = align_timelines(timelines)
    expected = (data.astype(np.float32) / 32768.0).reshape(-1)
    played = np.fromfile(tap, dtype=np.float32)
    lead = int(np.flatnonzero(played)[0]) - int(np.flatnonzero(expected)[0])
    heard = played[lead: lead + len(expected)]
    result = {
        "actions": log_actions(world.log)[before:],
        "streams": pb.stream_ids,
        "expected": len(expected),
        "heard": len(heard),
        "equal": bool(len(heard) == len(expected) and np.array_equal(heard, expected)),
        "lead_zeros": lead,
        "state": controller.state,
        "message": bar.message.text(),
    }
    session.close()
    return result


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3])))
