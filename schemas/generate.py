"""Writes the JSON Schema files of the contract from the pydantic models.

python -m schemas.generate          # rewrite schemas/json/
python -m schemas.generate --check  # exit 1 if the committed files differ from the models
"""

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel

from schemas.events import EVENT_MODELS, Envelope

SCHEMA_DIR = Path(__file__).parent / "json"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
ID_BASE = "urn:pathfinder:schemas:v1:"


def _document(model: type[BaseModel], file_name: str) -> dict[str, Any]:
    schema = model.model_json_schema(mode="validation")
    return {"$schema": DIALECT, "$id": ID_BASE + file_name, **schema}


def rendered() -> dict[str, bytes]:
    """Every schema file name with its exact bytes."""
    documents = {"envelope.schema.json": _document(Envelope, "envelope.schema.json")}
    for name, model in EVENT_MODELS.items():
        file_name = f"{name}.schema.json"
        documents[file_name] = _document(model, file_name)
    options = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
    return {name: orjson.dumps(doc, option=options) + b"\n" for name, doc in documents.items()}


def drifted() -> list[str]:
    """Files missing, stale or unexpected under schemas/json/."""
    expected = rendered()
    present = {path.name for path in SCHEMA_DIR.glob("*.schema.json")}
    stale = [name for name, body in expected.items() if _read(SCHEMA_DIR / name) != body]
    return sorted(set(stale) | (present - expected.keys()))


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report drift")
    if parser.parse_args().check:
        stale = drifted()
        for name in stale:
            print(f"schemas/json/{name} differs from the models", file=sys.stderr)
        return 1 if stale else 0
    SCHEMA_DIR.mkdir(exist_ok=True)
    for path in SCHEMA_DIR.glob("*.schema.json"):
        path.unlink()
    for name, body in rendered().items():
        (SCHEMA_DIR / name).write_bytes(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
