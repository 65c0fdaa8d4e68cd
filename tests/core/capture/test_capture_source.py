"""open_capture / file_sha256: mmap, gzip (bounded), and every way a path can be bad."""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from callscope.core.capture import source
from callscope.core.capture.source import (
    HASH_CHUNK,
    CaptureFile,
    file_sha256,
    format_size,
    open_capture,
)
from callscope.core.errors import CancelledError, CaptureError
from callscope.core.progress import CancelToken

CONTENT = bytes(range(256)) * 40  # 10 KiB, not a capture: this layer does not care


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_plain_file_is_mapped_read_only(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.pcap", CONTENT)
    with open_capture(path) as cf:
        assert isinstance(cf, CaptureFile)
        assert not cf.compressed
        assert cf.size_on_disk == len(CONTENT) == cf.size
        assert cf.data.dtype == np.uint8
        assert cf.data.tobytes() == CONTENT
        assert bytes(cf.buffer[100:104]) == CONTENT[100:104]
        assert cf.buffer.readonly
        with pytest.raises(ValueError):
            cf.data[0] = 1
        assert cf.warnings == []
    assert cf.size == 0  # closed


def test_close_with_views_still_alive_does_not_raise(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.pcap", CONTENT)
    cf = open_capture(path)
    kept = cf.data[10:20]
    cf.close()
    cf.close()  # twice is fine
    assert kept.tobytes() == CONTENT[10:20]  # the mapping lives as long as the view


def _resident_kib(path: Path) -> int:
    """KiB of ``path``'s mapping resident in this process (Linux /proc/self/smaps)."""
    total, inside = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            inside = line.endswith(str(path))
        elif inside and line.startswith("Rss:"):
            total += int(line.split()[1])
    return total


def test_released_pages_leave_memory_but_stay_readable(tmp_path: Path) -> None:
    data = os.urandom(64 * 4096 + 100)
    path = _write(tmp_path / "big.pcap", data)
    with open_capture(path) as cf:
        assert cf.data.tobytes() == data  # every page touched
        if Path("/proc/self/smaps").exists():
            before = _resident_kib(path)
            cf.release(40 * 4096 + 10)  # only whole pages before the offset go
            assert before - _resident_kib(path) == 40 * 4
        assert cf.data.tobytes() == data
        cf.release(cf.size + 999)  # past the end: clamped
        assert bytes(cf.buffer[-100:]) == data[-100:]


def test_release_keeps_gzip_content(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.pcap.gz", gzip.compress(CONTENT))
    with open_capture(path) as cf:
        cf.release(cf.size)
        assert cf.data.tobytes() == CONTENT


def test_empty_file_opens_with_no_bytes(tmp_path: Path) -> None:
    with open_capture(_write(tmp_path / "empty.pcap", b"")) as cf:
        assert cf.size == 0 and cf.size_on_disk == 0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing.pcap", "no such file"),
        (lambda p: p, "is a directory"),
    ],
)
def test_bad_paths_are_capture_errors(
    tmp_path: Path, make: Callable[[Path], Path], message: str
) -> None:
    with pytest.raises(CaptureError, match=message):
        open_capture(make(tmp_path))
    with pytest.raises(CaptureError, match=message):
        file_sha256(make(tmp_path))


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.pcap"
    os.mkfifo(fifo)
    with pytest.raises(CaptureError, match="not a regular file"):
        open_capture(fifo)


def test_permission_denied_is_a_capture_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "secret.pcap", CONTENT)

    def refuse(*_: object, **__: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(source, "open", refuse, raising=False)  # root ignores chmod
    with pytest.raises(CaptureError, match="permission denied"):
        open_capture(path)


def test_gzip_is_decompressed_whatever_the_name(tmp_path: Path) -> None:
    path = _write(tmp_path / "capture.pcap", gzip.compress(CONTENT))
    with open_capture(path) as cf:
        assert cf.compressed
        assert cf.data.tobytes() == CONTENT
        assert cf.size_on_disk == path.stat().st_size
        assert cf.warnings == []


def test_gzip_with_several_members_is_concatenated(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.gz", gzip.compress(CONTENT[:5000]) + gzip.compress(CONTENT[5000:]))
    with open_capture(path) as cf:
        assert cf.data.tobytes() == CONTENT


def test_truncated_gzip_keeps_what_was_decompressed(tmp_path: Path) -> None:
    big = np.random.default_rng(0).integers(0, 4, 400_000, dtype=np.uint8).tobytes()
    whole = gzip.compress(big)
    with open_capture(_write(tmp_path / "cut.gz", whole[: len(whole) // 2])) as cf:
        assert 0 < cf.size < len(big)
        assert cf.data.tobytes() == big[: cf.size]
        assert any("gzip stream truncated" in w for w in cf.warnings)


def test_gzip_truncated_before_any_data_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="truncated gzip"):
        open_capture(_write(tmp_path / "x.gz", gzip.compress(CONTENT)[:10]))


def test_corrupt_gzip_is_a_capture_error(tmp_path: Path) -> None:
    data = bytearray(gzip.compress(CONTENT))
    data[len(data) // 2] ^= 0xFF
    data[-8] ^= 0xFF  # and the CRC, so even lucky deflate data fails
    with pytest.raises(CaptureError, match="corrupt gzip"):
        open_capture(_write(tmp_path / "x.gz", bytes(data)))


def test_gzip_with_trailing_garbage_warns(tmp_path: Path) -> None:
    with open_capture(_write(tmp_path / "x.gz", gzip.compress(CONTENT) + b"\0" * 7)) as cf:
        assert cf.data.tobytes() == CONTENT
        assert any("trailing data" in w for w in cf.warnings)


def test_gzip_bomb_is_refused_before_expanding(tmp_path: Path) -> None:
    bomb = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    data = bomb.compress(b"\0" * (64 << 20)) + bomb.flush()  # 64 MiB of zeros in ~64 KiB
    path = _write(tmp_path / "bomb.pcap.gz", data)
    with pytest.raises(CaptureError, match=re.escape("expands beyond 1 MiB; refusing")):
        open_capture(path, max_decompressed=1 << 20)
    with open_capture(path, max_decompressed=64 << 20) as cf:  # exactly at the limit: fine
        assert cf.size == 64 << 20


def test_file_sha256_hashes_the_stored_bytes(tmp_path: Path) -> None:
    data = CONTENT * 2000  # ~20 MiB: several 8 MiB steps and a partial one
    path = _write(tmp_path / "x.pcap.gz", data)
    assert len(data) > 2 * HASH_CHUNK and len(data) % HASH_CHUNK
    assert file_sha256(path) == hashlib.sha256(data).hexdigest()
    assert file_sha256(_write(tmp_path / "empty", b"")) == hashlib.sha256(b"").hexdigest()


def test_file_sha256_can_be_cancelled(tmp_path: Path) -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        file_sha256(_write(tmp_path / "x", CONTENT), cancel=token)


def test_format_size_names_the_unit() -> None:
    assert format_size(8 << 30) == "8 GiB"
    assert format_size(3 << 19) == "1.5 MiB"
    assert format_size(300) == "300 bytes"


@pytest.mark.corpus
def test_sha256_matches_capinfos_for_the_corpus(corpus: Path) -> None:
    checked = 0
    for ref in sorted((corpus / "reference").glob("*.capinfos.txt")):
        match = re.search(r"^SHA256:\s+([0-9a-f]{64})", ref.read_text(), re.MULTILINE)
        assert match, ref.name
        capture = corpus / ref.name.removesuffix(".capinfos.txt")
        assert file_sha256(capture) == match.group(1), capture.name
        checked += 1
    assert checked >= 40
