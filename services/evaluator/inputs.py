"""What the replay read: each input's size, SHA-256 and line count, measured while it is read.

The hash is taken of the bytes as stored (a .gz file's compressed bytes), in the chunks the
reader takes from the file, so it costs no second pass and no work per line.
"""

import hashlib
import io
from typing import Any, BinaryIO, NamedTuple


class InputFacts(NamedTuple):
    """One input of a replay, for the provenance of its results."""

    path: str  # "-" for standard input
    size: int  # bytes as stored
    sha256: str
    lines: int

    def as_json(self) -> dict[str, Any]:
        return self._asdict()


class HashingReader(io.RawIOBase):
    """A raw stream that hashes and counts every byte read through it."""

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self._hash = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._source.read(len(buffer))
        count = len(data)
        buffer[:count] = data
        self._hash.update(data)
        self.size += count
        return count

    def tell(self) -> int:
        return self.size

    def facts(self, path: str, lines: int) -> InputFacts:
        """The input's facts, once its lines have been read: any bytes after the last one the
        reader did not need (after a .gz file's end) are hashed and counted first."""
        for rest in iter(lambda: self._source.read(1 << 16), b""):
            self._hash.update(rest)
            self.size += len(rest)
        return InputFacts(path, self.size, self._hash.hexdigest(), lines)


def hashed(source: BinaryIO) -> tuple[HashingReader, BinaryIO]:
    """A reader over `source` that hashes as it goes, and the buffered stream to read lines from."""
    reader = HashingReader(source)
    return reader, io.BufferedReader(reader, buffer_size=1 << 16)
