"""A file written beside its target and renamed over it only when complete.

HTTPRequest's ``download_file`` (httprequest.md §2.7): the body goes to a temporary file in
the target's folder (so the rename stays on one file system and is atomic), ``commit`` renames
it over the target, and ``discard`` removes it on every other way out, leaving any older file
at the target as it was. Usable as a context (commit on a clean exit, discard otherwise).
Imports the standard library only.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import threading
from types import TracebackType
from typing import Final, Self

#: The temporary file's name: hidden, beside the target, unlikely to collide.
_TEMPORARY: Final = ".{name}.{token}.part"
#: The same without the target's name, for a target whose name leaves no room for the rest.
_SHORT_TEMPORARY: Final = ".{token}.part"


class AtomicFile:
    """Write ``path`` all at once: nothing appears there until ``commit``.

    The new file is created with mode 0o666, so the umask alone decides its permissions, as for
    any file the process creates (``tempfile.mkstemp`` would make it 0600), unless ``mode``
    gives them (to keep a replaced file's, as ``engine-net fetch`` does). ``discard`` may be
    called from another thread while one writes; the writer then fails quietly and nothing is
    renamed. Methods other than ``discard`` raise ``OSError``.
    """

    def __init__(self, path: str, mode: int | None = None) -> None:
        self.path = path
        self._target = os.path.abspath(path)
        self._mode = mode  # permissions instead of the umask's (a replaced file's, say)
        self._temporary = ""
        self._file: int = -1
        self._done = False
        self._lock = threading.Lock()

    def open(self) -> Self:
        """Create the temporary file; ``OSError`` when the folder is missing or not writable,
        or the target is a folder."""
        if os.path.isdir(self._target):
            raise IsADirectoryError(f"{self.path} is a folder")
        folder, name = os.path.split(self._target)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
        pattern = _TEMPORARY
        while True:
            temporary = os.path.join(folder, pattern.format(name=name, token=secrets.token_hex(6)))
            try:
                self._file = os.open(temporary, flags, 0o666)
            except FileExistsError:
                continue
            except OSError as exc:
                # A target name near the file system's limit: the longer name cannot exist.
                if exc.errno != errno.ENAMETOOLONG or pattern is _SHORT_TEMPORARY:
                    raise
                pattern = _SHORT_TEMPORARY
                continue
            self._temporary = temporary
            if self._mode is not None:
                try:
                    os.fchmod(self._file, self._mode)
                except OSError:
                    self.discard()
                    raise
            return self

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            if self._done:
                raise OSError("the download was discarded")
            written = os.write(self._file, view)
            view = view[written:]

    def commit(self) -> None:
        """Close the temporary file and rename it over the target (``OSError`` if either
        fails, the temporary file then removed)."""
        with self._lock:
            if self._done:
                raise OSError("the download was discarded")
            self._done = True
            try:
                fd, self._file = self._file, -1
                os.close(fd)
                os.replace(self._temporary, self._target)
            except OSError:
                with contextlib.suppress(OSError):
                    os.unlink(self._temporary)
                raise

    def discard(self, close: bool = True) -> None:
        """Remove the temporary file; the target is untouched. Safe to call again. Another
        thread than the writer passes ``close=False``: the writer's descriptor stays valid
        (its writes then fail) until the writer's own ``discard`` closes it.
        """
        with self._lock:
            if not self._done:
                self._done = True
                if self._temporary:
                    with contextlib.suppress(OSError):
                        os.unlink(self._temporary)
            if close and self._file >= 0:
                with contextlib.suppress(OSError):
                    os.close(self._file)
                self._file = -1

    def __enter__(self) -> Self:
        return self.open()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None:
            self.commit()
        else:
            self.discard()
