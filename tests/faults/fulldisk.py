"""A storage on a disk that fills up, for the full-disk tests: every file gets FREE bytes, then
the write fails with ENOSPC and what was written stays on disk — as on a real full disk, and
as Django's FileSystemStorage leaves it (use it through settings.STORAGES)."""

from __future__ import annotations

import errno
import os

from django.core.files.base import File
from django.core.files.storage import FileSystemStorage

FREE = 16


def _no_space() -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class _FillingContent(File):
    """The content being saved: its first FREE bytes reach the disk, then ENOSPC."""

    def __init__(self, content):
        super().__init__(content, getattr(content, "name", None))
        self._content = content

    def chunks(self, chunk_size=None):
        free = FREE
        for chunk in self._content.chunks(chunk_size):
            if len(chunk) > free:
                yield chunk[:free]
                raise _no_space()
            free -= len(chunk)
            yield chunk


class _FillingWriter:
    """A file opened for writing: FREE bytes are written, then ENOSPC."""

    def __init__(self, raw):
        self._raw = raw
        self._free = FREE

    def write(self, data):
        part = data[: self._free]
        self._raw.write(part)
        self._free -= len(part)
        if len(part) < len(data):
            self._raw.flush()
            raise _no_space()
        return len(data)

    def __getattr__(self, name):
        return getattr(self._raw, name)


class FullDiskStorage(FileSystemStorage):
    def _save(self, name, content):
        return super()._save(name, _FillingContent(content))

    def _open(self, name, mode="rb"):
        opened = super()._open(name, mode)
        if any(flag in mode for flag in "wa+"):
            return File(_FillingWriter(opened.file), opened.name)
        return opened
