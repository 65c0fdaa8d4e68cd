"""EVS: frame types and bit rates from compact and header-full payloads."""

from __future__ import annotations

import pytest

from callscope.core.media.decoders import UnsupportedCodec, decoder_for
from callscope.core.media.evs import evs_frames
from callscope.core.model import Codec


def test_compact_sizes_give_the_mode() -> None:
    assert evs_frames(bytes(61)) == [evs_frames(bytes(61))[0]]
    assert evs_frames(bytes(61))[0].kbps == 24.4
    assert evs_frames(bytes(6))[0].mode == "SID"
    assert evs_frames(bytes(60))[0].mode == "AMR-WB IO"


def test_header_full_toc() -> None:
    # ToC: H=0 F=1 primary FT=6 (24.4), then H=0 F=0 primary FT=12 (SID)
    frames = evs_frames(bytes([0x40 | 6, 0x0C]) + bytes(70), header_full=True)
    assert [(f.mode, f.kbps) for f in frames] == [("Primary", 24.4), ("SID", 2.4)]


def test_evs_audio_is_refused_plainly() -> None:
    with pytest.raises(UnsupportedCodec, match="EVS"):
        decoder_for(Codec("EVS", 16000))
