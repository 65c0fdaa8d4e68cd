"""A file's SHA-256, computed on a thread beside the decoding or when asked for."""

from __future__ import annotations

import os
import threading

from callscope.core.capture.source import file_sha256
from callscope.core.progress import CancelToken


class FileDigest:
    """SHA-256 (hex) of one file, hashed on a daemon thread from the moment it is made.

    hashlib releases the GIL on large updates, so the hash runs beside numpy decoding on
    a second core. A plain thread, not an executor: ``concurrent.futures`` alone costs
    ~9 ms of start-up for every ``callscope analyze``. With ``thread=False`` the file is
    hashed by ``result()`` in the caller's thread instead: for a process pool that keeps
    every core busy already, where a second thread per process only adds switching.
    """

    def __init__(self, path: str | os.PathLike[str], *, thread: bool = True) -> None:
        self._path = path
        self._stop = CancelToken()
        self._digest: str | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if thread:
            self._thread = threading.Thread(target=self._run, name="sha256", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            self._digest = file_sha256(self._path, cancel=self._stop)
        except BaseException as exc:  # handed to the caller by result()
            self._error = exc

    def result(self) -> str:
        """Wait for the hash; re-raise what stopped it (CaptureError, CancelledError)."""
        if self._thread is None:
            if self._digest is None and self._error is None:
                self._run()
        else:
            self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._digest is not None
        return self._digest

    def cancel(self) -> None:
        """Stop hashing and wait until no thread reads the file any more."""
        self._stop.cancel()
        if self._thread is not None:
            self._thread.join()
