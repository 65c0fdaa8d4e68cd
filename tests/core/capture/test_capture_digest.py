"""FileDigest: a file's SHA-256 on a thread, its errors and its cancel."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from callscope.core.capture.digest import FileDigest
from callscope.core.errors import CancelledError, CaptureError


def test_result_is_the_files_sha256(tmp_path: Path) -> None:
    data = bytes(range(256)) * 9000  # > 2 read chunks
    path = tmp_path / "x.pcap"
    path.write_bytes(data)
    assert FileDigest(path).result() == hashlib.sha256(data).hexdigest()


def test_an_unreadable_file_raises_capture_error_from_result(tmp_path: Path) -> None:
    digest = FileDigest(tmp_path / "missing.pcap")
    with pytest.raises(CaptureError, match="no such file"):
        digest.result()


def test_cancel_stops_the_thread_and_result_says_cancelled(tmp_path: Path) -> None:
    path = tmp_path / "big.pcap"
    path.write_bytes(b"\0" * (64 << 20))  # 64 chunks: cancel lands long before the end
    digest = FileDigest(path)
    digest.cancel()
    assert not digest._thread.is_alive()
    with pytest.raises(CancelledError):
        digest.result()


def test_without_a_thread_result_hashes_in_the_callers_thread(tmp_path: Path) -> None:
    path = tmp_path / "x.pcap"
    path.write_bytes(b"callscope" * 1000)
    digest = FileDigest(path, thread=False)
    assert digest._thread is None
    path.write_bytes(b"changed")  # read only when the result is asked for
    assert digest.result() == hashlib.sha256(b"changed").hexdigest()
    with pytest.raises(CaptureError, match="no such file"):
        FileDigest(tmp_path / "gone.pcap", thread=False).result()
