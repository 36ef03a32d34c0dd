"""JSON Schema 2020-12 documents rewritten as draft-07, for tools that know no later draft.

The AsyncAPI 3 parser reads payload schemas as JSON Schema draft-07 (`schemaFormat:
application/schema+json;version=draft-07`). The contract's schemas use few 2020-12 features,
and each has a draft-07 spelling: `$defs` becomes `definitions`, a tuple's `prefixItems` (with
`items` for what follows) becomes `items` (with `additionalItems`), and a `$ref` with sibling
keywords, which draft-07 ignores, is wrapped in an `allOf`. A keyword draft-07 cannot express
stops the conversion rather than being dropped.
"""

from typing import Any, Final

DIALECT: Final = "http://json-schema.org/draft-07/schema#"
_NO_DRAFT_07_SPELLING = {
    "$anchor",
    "$dynamicAnchor",
    "$dynamicRef",
    "$vocabulary",
    "dependentRequired",
    "dependentSchemas",
    "maxContains",
    "minContains",
    "unevaluatedItems",
    "unevaluatedProperties",
}
_SCHEMA_MAPS = {"$defs", "properties", "patternProperties"}  # name -> schema
_SCHEMA_LISTS = {"allOf", "anyOf", "oneOf"}
_SCHEMAS = {"additionalProperties", "contains", "else", "if", "not", "propertyNames", "then"}


def to_draft07(document: dict[str, Any], schema_id: str) -> dict[str, Any]:
    """The draft-07 form of a 2020-12 schema document, under a new `$id`."""
    converted = _schema(document)
    return {**converted, "$schema": DIALECT, "$id": schema_id}


def _schema(schema: Any) -> Any:
    if isinstance(schema, bool):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _NO_DRAFT_07_SPELLING:
            raise ValueError(f"{key} has no draft-07 spelling")
        if key == "$ref":
            out[key] = value.replace("#/$defs/", "#/definitions/")
        elif key in _SCHEMA_MAPS:
            out["definitions" if key == "$defs" else key] = {
                name: _schema(item) for name, item in value.items()
            }
        elif key in _SCHEMA_LISTS:
            out[key] = [_schema(item) for item in value]
        elif key in _SCHEMAS:
            out[key] = _schema(value)
        elif key == "prefixItems":
            out["items"] = [_schema(item) for item in value]
            out["additionalItems"] = _schema(schema.get("items", True))
        elif key == "items":
            if "prefixItems" not in schema:
                out[key] = _schema(value)
        else:
            out[key] = value
    if "$ref" in out and len(out) > 1:
        return {"allOf": [{"$ref": out.pop("$ref")}], **out}
    return out
