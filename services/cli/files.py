"""The command's files, checked before any work: inputs readable, outputs writable, never the same.

An output that is also an input (by inode, so whatever its spelling, link or hard link) would be
truncated before it is read; an output that cannot be written would be found out only after a
long replay. Nothing is opened for writing here.
"""

import os
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path

from services.evaluator.replay import STDIN


class UsageError(Exception):
    """A problem with the command's input, reported in one line."""


def _identity(status: os.stat_result) -> tuple[int, int]:
    return status.st_dev, status.st_ino


def check_inputs(paths: Sequence[Path]) -> None:
    """Every input an existing, readable regular file, or `-` (standard input) once."""
    if list(paths).count(STDIN) > 1:
        raise UsageError("standard input ('-') can be read only once")
    for path in paths:
        if path == STDIN:
            continue
        if not path.exists():
            raise UsageError(f"no such log file: {path}")
        if path.is_dir():
            raise UsageError(f"{path}: is a directory")
        if not path.is_file():
            raise UsageError(f"{path}: not a regular file (use - to read standard input)")
        if not os.access(path, os.R_OK):
            raise UsageError(f"{path}: permission denied")


def _input_identities(inputs: Iterable[Path]) -> set[tuple[int, int]]:
    identities = set()
    for path in inputs:
        if path != STDIN:
            identities.add(_identity(path.stat()))
            continue
        try:  # standard input redirected from a file is that file
            status = os.fstat(0)
        except OSError:
            continue
        if stat.S_ISREG(status.st_mode):
            identities.add(_identity(status))
    return identities


def check_outputs(outputs: Sequence[Path], inputs: Sequence[Path] = ()) -> None:
    """Every output writable, none an input and no two the same file; each left untouched."""
    taken = _input_identities(inputs)
    seen: set[object] = set()
    for path in outputs:
        identity = _existing_output(path, taken) if path.exists() else _new_output(path)
        if identity in seen:
            raise UsageError(f"{path}: given for two outputs")
        seen.add(identity)


def _existing_output(path: Path, inputs: set[tuple[int, int]]) -> tuple[int, int]:
    if path.is_dir():
        raise UsageError(f"{path}: is a directory")
    identity = _identity(path.stat())
    if identity in inputs:
        raise UsageError(f"{path}: is also an input; refusing to overwrite it")
    if not os.access(path, os.W_OK):
        raise UsageError(f"{path}: permission denied")
    return identity


def _new_output(path: Path) -> str:
    directory = path.parent
    if not directory.is_dir():
        raise UsageError(f"{path}: no such directory: {directory}")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise UsageError(f"{path}: cannot create a file in {directory} (permission denied)")
    return os.path.realpath(path)
