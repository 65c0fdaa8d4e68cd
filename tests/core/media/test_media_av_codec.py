"""Choosing an FFmpeg decoder: the first one the build has, a plain error otherwise."""

from __future__ import annotations

import pytest

from callscope.core.errors import CallScopeError
from callscope.core.media.av_codec import AvCodec
from callscope.core.media.decoders import decoder_for
from callscope.core.model import Codec


def test_the_first_decoder_the_build_has_is_used() -> None:
    assert AvCodec(("no-such-decoder", "g722"), 16000).ctx.name == "g722"


def test_no_decoder_in_the_build_is_a_plain_error() -> None:
    with pytest.raises(CallScopeError, match="no a or b decoder in this FFmpeg build"):
        AvCodec(("a", "b"), 8000)


def test_opus_is_decoded_by_the_reference_libopus() -> None:
    # FFmpeg's native Opus decoder reads uninitialised memory on some streams.
    decoder = decoder_for(Codec("opus", 48000))
    assert decoder.sample_rate == 48000
    assert decoder._decode.__self__.ctx.name == "libopus"  # type: ignore[attr-defined]
    assert decoder.decode(b"\xf8\xff\xfe").size == 960  # CELT 20 ms silence frame
