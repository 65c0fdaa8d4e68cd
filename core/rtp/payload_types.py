"""Payload type → codec: the RFC 3551 static table and clock rates for dynamic names.

Clock rates for names without an SDP rate follow Wireshark's MIME table
(``packet-rtp.c``): AMR 8000, AMR-WB/EVS 16000, opus 48000.
"""

from __future__ import annotations

from callscope.core.model import Codec

STATIC_PAYLOAD_TYPES: dict[int, Codec] = {
    0: Codec("PCMU", 8000),
    3: Codec("GSM", 8000),
    4: Codec("G723", 8000),
    5: Codec("DVI4", 8000),
    6: Codec("DVI4", 16000),
    7: Codec("LPC", 8000),
    8: Codec("PCMA", 8000),
    9: Codec("G722", 8000),  # RFC 3551: clock 8000 although sampled at 16 kHz
    10: Codec("L16", 44100, 2),
    11: Codec("L16", 44100),
    12: Codec("QCELP", 8000),
    13: Codec("CN", 8000),
    14: Codec("MPA", 90000),
    15: Codec("G728", 8000),
    16: Codec("DVI4", 11025),
    17: Codec("DVI4", 22050),
    18: Codec("G729", 8000),
    19: Codec("CN", 8000),  # reserved, treated as comfort noise by Wireshark
    25: Codec("CelB", 90000),
    26: Codec("JPEG", 90000),
    28: Codec("nv", 90000),
    31: Codec("H261", 90000),
    32: Codec("MPV", 90000),
    33: Codec("MP2T", 90000),
    34: Codec("H263", 90000),
}

COMFORT_NOISE_PTS = frozenset({13, 19})

DEFAULT_CLOCK_BY_NAME: dict[str, int] = {
    "amr": 8000,
    "amr-wb": 16000,
    "evs": 16000,
    "opus": 48000,
    "telephone-event": 8000,
    "g7221": 16000,
    "ilbc": 8000,
    "speex": 8000,
    "silk": 16000,
    "h263-1998": 90000,
    "h263-2000": 90000,
    "h264": 90000,
    "vp8": 90000,
    "vp9": 90000,
}

AUDIO_NAMES = frozenset(
    {
        "pcmu", "pcma", "gsm", "g723", "dvi4", "lpc", "g722", "l16", "l24", "qcelp", "g728",
        "g729", "g729d", "g729e", "g726-16", "g726-24", "g726-32", "g726-40", "aal2-g726-16",
        "aal2-g726-24", "aal2-g726-32", "aal2-g726-40", "amr", "amr-wb", "evs", "opus",
        "ilbc", "speex", "silk", "g7221", "g719", "mpa", "red",
    }
)


def static_codec(payload_type: int) -> Codec | None:
    """The RFC 3551 codec for a static payload type, or None for dynamic/unassigned."""
    return STATIC_PAYLOAD_TYPES.get(payload_type)


def is_telephone_event(codec: Codec | None) -> bool:
    """True for RFC 4733 named telephone events (DTMF and the like)."""
    return codec is not None and codec.name.lower() == "telephone-event"


def is_comfort_noise(payload_type: int, codec: Codec | None) -> bool:
    """True for RFC 3389 comfort noise (static PT 13/19 or a dynamic ``CN`` rtpmap)."""
    return payload_type in COMFORT_NOISE_PTS or (codec is not None and codec.name.upper() == "CN")


def payload_type_name(payload_type: int, codec: Codec | None) -> str:
    """Wireshark-style label of a payload type, e.g. ``g711A``, ``AMR-WB``, ``Unassigned``."""
    wireshark_static: dict[int, str] = {
        0: "g711U", 8: "g711A", 9: "g722", 18: "g729", 4: "g723", 3: "GSM"
    }
    if codec is None:
        fallback = "Unassigned" if payload_type < 96 else str(payload_type)
        return wireshark_static.get(payload_type, fallback)
    if payload_type in wireshark_static and codec == STATIC_PAYLOAD_TYPES.get(payload_type):
        return wireshark_static[payload_type]
    return codec.name
