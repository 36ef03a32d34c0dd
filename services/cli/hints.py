"""Why a log may have given no event: the usual wrong formats, told from its first bytes."""

import gzip
import zlib
from pathlib import Path

GZIP_MAGIC = b"\x1f\x8b"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
UTF8_BOM = b"\xef\xbb\xbf"
HEAD_BYTES = 4096  # enough to tell the formats below apart
_SAMPLE = 64  # bytes looked at for UTF-16's NUL in every other byte


def _every_other_byte_is_nul(head: bytes) -> bool:
    sample = head[:_SAMPLE]
    if len(sample) < 4:
        return False
    return any(not sample[start::2].strip(b"\x00") for start in (0, 1))


def format_hint(name: str, head: bytes) -> str | None:
    """A one-line hint when the first bytes of a log look like a format the replay cannot read."""
    if head.startswith(GZIP_MAGIC) and not name.endswith(".gz"):
        return f"{name} looks gzip-compressed: give it a name ending in .gz, or decompress it"
    if head.startswith(UTF16_BOMS) or _every_other_byte_is_nul(head):
        return f"{name} looks like UTF-16 text: convert it to UTF-8 (iconv -f UTF-16 -t UTF-8)"
    if head.removeprefix(UTF8_BOM).lstrip(b" \t\r\n").startswith(b"["):
        return (
            f"{name} looks like one JSON array: the replay reads one JSON object per line"
            " (jq -c '.[]' turns the one into the other)"
        )
    return None


def read_head(path: Path) -> bytes:
    """The first bytes of a log as the replay reads it (decompressed when named .gz)."""
    with path.open("rb") as raw:
        head = raw.read(HEAD_BYTES)
    if path.suffix != ".gz":
        return head
    try:
        with gzip.open(path, "rb") as decompressed:
            return decompressed.read(HEAD_BYTES)
    except (OSError, EOFError, zlib.error):
        return head
