"""pcapng block vocabulary: block types, Interface Description Blocks, timestamp units.

Source: draft-ietf-opsawg-pcapng (§4.1 SHB, §4.2 IDB with if_tsresol/if_tsoffset,
§4.3 EPB, §4.4 SPB, Appendix A obsolete Packet Block).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

SHB = 0x0A0D0D0A
IDB = 1
OPB = 2  # obsolete Packet Block
SPB = 3
EPB = 6
BOM = 0x1A2B3C4D

OPT_ENDOFOPT = 0
OPT_TSRESOL = 9
OPT_TSOFFSET = 14


@dataclass(frozen=True)
class Interface:
    """One capture interface of a section: link type and how to read its timestamps.

    A timestamp counts units of ``base ** -exponent`` seconds, plus ``offset_s`` seconds.
    ``snaplen`` 0 means no limit.
    """

    linktype: int
    snaplen: int
    base: int = 10
    exponent: int = 6
    offset_s: int = 0


def parse_idb(buf: memoryview, pos: int, blen: int, order: str) -> Interface:
    """Decode the Interface Description Block of ``blen`` bytes at ``pos``.

    Options that run past the block are ignored; a block too short for its fixed
    fields gives link type 0 and no options (its packets still get counted).
    """
    if blen < 20:
        return Interface(linktype=0, snaplen=0)
    linktype, _reserved, snaplen = struct.unpack_from(order + "HHI", buf, pos + 8)
    base, exponent, offset_s = 10, 6, 0
    opt, end = pos + 16, pos + blen - 4
    while opt + 4 <= end:
        code, length = struct.unpack_from(order + "HH", buf, opt)
        if code == OPT_ENDOFOPT or opt + 4 + length > end:
            break
        if code == OPT_TSRESOL and length >= 1:
            value = buf[opt + 4]
            base, exponent = (2, value & 0x7F) if value & 0x80 else (10, value)
        elif code == OPT_TSOFFSET and length >= 8:
            (offset_s,) = struct.unpack_from(order + "q", buf, opt + 4)
        opt += 4 + (length + 3) // 4 * 4
    return Interface(linktype, snaplen, base, exponent, offset_s)


def to_ns(ts: NDArray[np.uint64], iface: Interface) -> NDArray[np.int64]:
    """Raw 64-bit timestamps of ``iface`` → ns since the epoch (int64, wraps if absurd)."""
    units = ts.astype(np.uint64)
    if iface.base == 10:
        if iface.exponent <= 9:
            ns = units * np.uint64(10 ** (9 - iface.exponent))
        elif iface.exponent - 9 <= 19:
            ns = units // np.uint64(10 ** (iface.exponent - 9))
        else:
            ns = np.zeros_like(units)
    else:
        ns = _binary_units_to_ns(units, iface.exponent)
    offset = (iface.offset_s * 1_000_000_000) % (1 << 64)  # two's complement in uint64
    result: NDArray[np.int64] = (ns + np.uint64(offset)).view(np.int64)
    return result


def _binary_units_to_ns(units: NDArray[np.uint64], exponent: int) -> NDArray[np.uint64]:
    """Units of 2**-exponent s → ns, without overflowing the fraction product."""
    if exponent >= 64:
        seconds = np.zeros_like(units)
        frac = units >> np.uint64(exponent - 32) if exponent < 96 else np.zeros_like(units)
        exponent_left = 32
    else:
        seconds = units >> np.uint64(exponent)
        frac = units & np.uint64((1 << exponent) - 1)
        exponent_left = exponent
        if exponent > 32:
            frac >>= np.uint64(exponent - 32)
            exponent_left = 32
    sub = (frac * np.uint64(1_000_000_000)) >> np.uint64(exponent_left)
    ns: NDArray[np.uint64] = seconds * np.uint64(1_000_000_000) + sub
    return ns
