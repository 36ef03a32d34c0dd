"""The hostile corpus, for any test that feeds bad input: `hostile_lines()` lists every line.

`hostile_lines()` returns the corpus as a list of bytes, one message each, without a newline:
the lines committed in `hostile.jsonl`, then lines of 10 MB made at test time. `read_outcomes()`
with `EXPECTED_FILE` gives the outcome the replay gives each, in the same order, so another
consumer of the same messages (the live intake worker) can feed them and compare.
"""

from tests.corpus.expected import read_outcomes
from tests.corpus.hostile import EXPECTED_FILE, hostile_lines

__all__ = ["EXPECTED_FILE", "hostile_lines", "read_outcomes"]
