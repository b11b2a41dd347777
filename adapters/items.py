"""What an inbox item or a delivery may be made of: regular files, and
directories, zips and tar archives of regular files. Anything else is
refused before it is opened, with the member named:

- a FIFO, a socket or a device blocks or never ends when opened (one FIFO
  in the inbox stalled the whole service);
- a symbolic link reads a file outside the item (a directory delivery whose
  part was a link ingested a part from elsewhere);
- a link, FIFO or device *member* of an archive is skipped by the archive
  readers, so a delivery would apply without a whole category.

Nothing here follows a link or opens anything but regular files and
archives. Pure I/O of the file system, no event.
"""

from __future__ import annotations

import os
import stat
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

REASON = "unsafe_item"


@dataclass(frozen=True)
class Unsafe:
    """Why an item is refused: ``member`` is '' for the item itself."""

    member: str
    what: str

    def message(self) -> str:
        where = f"member {self.member!r}" if self.member else "the item"
        return (
            f"{where} is {self.what}: only regular files, and directories or archives of regular files, are "
            "read (never a link, a FIFO, a socket or a device); nothing recorded"
        )


def _what(mode: int) -> str | None:
    """None for a regular file or a directory; else what it is."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def unsafe(path: str | Path) -> Unsafe | None:
    """The first thing in ``path`` that must not be read, or None. A missing
    path is None (the caller says ``not_found``)."""
    path = Path(path)
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    what = _what(mode)
    if what is not None:
        return Unsafe("", what)
    if stat.S_ISDIR(mode):
        return _in_directory(path)
    return _in_archive(path)


def _in_directory(root: Path) -> Unsafe | None:
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        # os.walk lists a link to a directory among dirnames and does not enter it.
        for name in sorted(dirnames) + sorted(filenames):
            full = os.path.join(dirpath, name)
            try:
                what = _what(os.lstat(full).st_mode)
            except FileNotFoundError:
                continue  # removed while walking: the watcher sees the item change
            if what is not None:
                return Unsafe(os.path.relpath(full, root), what)
    return None


def _in_archive(path: Path) -> Unsafe | None:
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                for info in zf.infolist():
                    # The Unix mode, when the archiver recorded one with its file type
                    # (Python's writestr records permissions only: a regular file).
                    mode = info.external_attr >> 16
                    what = _what(mode) if info.create_system == 3 and stat.S_IFMT(mode) else None
                    if what is not None:
                        return Unsafe(info.filename, what)
            return None
        if tarfile.is_tarfile(path):
            with tarfile.open(path, "r:*") as tf:
                for m in tf.getmembers():
                    if m.isfile() or m.isdir():
                        continue
                    what = (
                        "a hard link"
                        if m.islnk()
                        else "a symbolic link"
                        if m.issym()
                        else "a FIFO (named pipe)"
                        if m.isfifo()
                        else "a device"
                        if (m.ischr() or m.isblk())
                        else "not a regular file"
                    )
                    return Unsafe(m.name, what)
    except (OSError, EOFError, zipfile.BadZipFile, tarfile.TarError):
        return None  # unreadable: the readers say so with their own reason
    return None
