"""AddressInterner: every row gets the index of its own address, batch after batch."""

from __future__ import annotations

import ipaddress

import numpy as np
import pytest

from callscope.core.capture import interning
from callscope.core.capture.interning import AddressInterner


def _check_v4(interner: AddressInterner, values: np.ndarray, ids: np.ndarray) -> None:
    got = [interner.addresses[i] for i in ids.tolist()]
    assert got == [str(ipaddress.IPv4Address(int(v))) for v in values.tolist()]


@pytest.mark.parametrize("distinct", [1, 2, 50, 1500, 6000])
def test_v4_rows_map_to_their_address_across_batches(distinct: int) -> None:
    rng = np.random.default_rng(distinct)
    pool = rng.choice(2**32, size=distinct, replace=False).astype(np.uint32)
    interner = AddressInterner()
    for _ in range(3):  # later batches meet known and new addresses
        values = pool[rng.integers(0, distinct, 20_000)]
        _check_v4(interner, values, interner.intern_v4(values))
    assert len(interner.addresses) == len(set(interner.addresses)) <= distinct


def test_v4_is_right_when_the_hash_table_is_full_of_collisions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(interning, "MAX_TABLE_BITS", 4)  # 16 slots for 3000 addresses
    rng = np.random.default_rng(3)
    values = rng.integers(0, 2**32, 30_000, dtype=np.uint64).astype(np.uint32)
    interner = AddressInterner()
    _check_v4(interner, values, interner.intern_v4(values))


def test_v6_rows_map_to_their_address() -> None:
    rng = np.random.default_rng(6)
    pool = rng.integers(0, 256, (3000, 16), dtype=np.uint8)
    values = pool[rng.integers(0, 3000, 10_000)]
    interner = AddressInterner()
    ids = interner.intern_v6(values)
    got = [interner.addresses[i] for i in ids.tolist()]
    assert got == [str(ipaddress.IPv6Address(bytes(row))) for row in values.tolist()]
