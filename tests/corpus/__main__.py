"""`python -m tests.corpus`: write `hostile.jsonl` and `expected.jsonl` again."""

from tests.corpus.hostile import main

main()
