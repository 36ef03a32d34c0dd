"""A log's lines a block at a time, exactly as iterating over the file gives them.

Reading a block and cutting it into lines in one call costs a fraction of what taking the lines
one by one does, and a block can be routed to the replay's workers with a few calls, not a few
per line. Lines keep their line end; the last line of a file may have none.
"""

import io
from array import array
from collections.abc import Iterator
from itertools import compress, count
from typing import BinaryIO

BLOCK_BYTES = 1 << 16


def line_blocks(source: BinaryIO, size: int = BLOCK_BYTES) -> Iterator[list[bytes]]:
    """The source's lines in blocks of about `size` bytes; a line longer than that is one block."""
    pending: list[bytes] = []
    while chunk := source.read(size):
        cut = chunk.rfind(b"\n") + 1
        if not cut:  # no line ends here: a long line goes on
            pending.append(chunk)
            continue
        pending.append(chunk[:cut])
        yield split_lines(b"".join(pending))
        pending = [chunk[cut:]] if cut < len(chunk) else []
    if pending:
        yield [b"".join(pending)]


def split_lines(block: bytes) -> list[bytes]:
    """The block's lines, each with its b"\\n" (the last may have none), split at b"\\n" only."""
    return io.BytesIO(block).readlines()


def pick(lines: list[bytes], first: int, chosen: list[bool]) -> tuple[bytes, bytes]:
    """The chosen lines of a block whose first line is numbered `first`: their numbers packed as
    int64 and the lines joined."""
    numbers = array("q", compress(count(first), chosen))
    return numbers.tobytes(), b"".join(compress(lines, chosen))


def unpick(numbers: bytes, joined: bytes) -> Iterator[tuple[int, bytes]]:
    """The numbered lines `pick` packed."""
    unpacked = array("q")
    unpacked.frombytes(numbers)
    return zip(unpacked, split_lines(joined), strict=True)
