"""A refusal's detail in the contract's words: the field and the rule it broke, never the value.

msgspec's messages quote what was sent (an enum value, an unexpected key), and a refusal's detail
travels to dead-letter headers and evaluators' files, so the message is reworded from its shape.
Its path names only the contract's fields and list positions; the one sender-written text kept
is an unexpected field's name, and only when it reads as an identifier (a key can be a name too).
"""

import re
from collections.abc import Callable

import msgspec

_PATH = re.compile(r"(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?", re.DOTALL)
_CONTRACT_PATH = re.compile(r"(?:\.[A-Za-z_][A-Za-z0-9_]*|\[[0-9]+\])*").fullmatch
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}").fullmatch
_JSON_TYPES = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "decimal": "a number",
    "bool": "a boolean",
    "null": "null",
    "array": "an array",
    "object": "an object",
    "date": "a date",
}


def _missing(found: re.Match[str], where: str) -> str:
    field = f"{where}.{found[1]}" if where else found[1]
    return f"{field}: required field missing"


def _unexpected(found: re.Match[str], where: str) -> str:
    name = found[1]
    return f"{_named(where)}: " + (
        f"unexpected field `{name}`" if _IDENTIFIER(name) else "an unexpected field"
    )


def _wrong_type(found: re.Match[str], where: str) -> str:
    expected = " or ".join(_JSON_TYPES.get(part, part) for part in found[1].split(" | "))
    sent = _JSON_TYPES.get(found[2])
    return f"{_named(where)}: expected {expected}" + (f", not {sent}" if sent else "")


def _too_long(found: re.Match[str], where: str) -> str:
    return f"{_named(where)}: longer than {found[1]} characters"


def _too_short(found: re.Match[str], where: str) -> str:
    if found[2] == "1":
        return f"{_named(where)}: must not be empty"
    noun = "characters" if found[1] == "str" else "items"
    return f"{_named(where)}: fewer than {found[2]} {noun}"


def _rule(text: str) -> Callable[[re.Match[str], str], str]:
    return lambda _, where: f"{_named(where)}: {text}"


def _named(where: str) -> str:
    return where or "the event"


_Reword = Callable[[re.Match[str], str], str]
_RULES: list[tuple[Callable[[str], re.Match[str] | None], _Reword]] = [
    (re.compile(r"Object missing required field `([A-Za-z_][A-Za-z0-9_]*)`").fullmatch, _missing),
    (re.compile(r"Object contains unknown field `(.*)`", re.DOTALL).fullmatch, _unexpected),
    (re.compile(r"Expected `([a-z |]+)`, got `([a-z]+)`").fullmatch, _wrong_type),
    (re.compile(r"Expected `str` of length <= ([0-9]+)").fullmatch, _too_long),
    (re.compile(r"Expected `(str|array)` of length >= ([0-9]+)").fullmatch, _too_short),
    (
        re.compile(r"Invalid (?:enum )?value.*", re.DOTALL).fullmatch,
        _rule("not one of the allowed values"),
    ),
    (
        re.compile(r"Invalid RFC3339 encoded date").fullmatch,
        _rule("not a real date in YYYY-MM-DD form"),
    ),
    (re.compile(r"(?:Number|Integer value) out of range").fullmatch, _rule("number out of range")),
]


def field_detail(error: msgspec.ValidationError, root: str) -> str:
    """`<field>: <rule>` for a msgspec validation error; `root` names the object checked."""
    parts = _PATH.fullmatch(str(error))
    assert parts is not None  # the pattern matches any text
    path = parts["path"] or ""
    where = (root + path).lstrip(".") if _CONTRACT_PATH(path) else root
    for matches, reword in _RULES:
        found = matches(parts["message"])
        if found is not None:
            return reword(found, where)
    return f"{_named(where)}: does not match the contract"
