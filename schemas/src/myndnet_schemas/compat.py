"""Is a new JSON Schema of an event still readable by consumers of the old one?

Incompatible: a field removed or renamed, a new required field, a narrowed type (another type,
fewer enum values, a tighter length or range, a new pattern, null no longer allowed).
"""

from typing import Any

_UPPER = ("maxLength", "maximum", "exclusiveMaximum", "maxItems")
_LOWER = ("minLength", "minimum", "exclusiveMinimum", "minItems")
_EXACT = ("pattern", "format", "const")


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].split("/")[-1]
        schema = {**root.get("$defs", {})[name], **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def _variants(schema: dict[str, Any], root: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The non-null variant of `X | None`, and whether null is allowed."""
    schema = _resolve(schema, root)
    options = schema.get("anyOf")
    if options:
        non_null = [_resolve(o, root) for o in options if o.get("type") != "null"]
        nullable = len(non_null) < len(options)
        if len(non_null) == 1:
            return non_null[0], nullable
        return {"anyOf": non_null}, nullable
    return schema, schema.get("type") == "null"


def incompatibilities(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return _compare_object(old, new, old, new, "")


def _compare_object(
    old: dict[str, Any],
    new: dict[str, Any],
    old_root: dict[str, Any],
    new_root: dict[str, Any],
    path: str,
) -> list[str]:
    problems = []
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name in old_props:
        if name not in new_props:
            problems.append(f"{path}{name}: removed or renamed")
    for name in set(new.get("required", [])) - set(old.get("required", [])):
        problems.append(f"{path}{name}: newly required")
    for name in old_props.keys() & new_props.keys():
        problems += _compare(old_props[name], new_props[name], old_root, new_root, f"{path}{name}")
    return problems


def _compare(
    old: dict[str, Any],
    new: dict[str, Any],
    old_root: dict[str, Any],
    new_root: dict[str, Any],
    path: str,
) -> list[str]:
    old, old_null = _variants(old, old_root)
    new, new_null = _variants(new, new_root)
    problems = []
    if old_null and not new_null:
        problems.append(f"{path}: no longer accepts null")
    old_type, new_type = old.get("type"), new.get("type")
    if old_type != new_type and not (old_type == "integer" and new_type == "number"):
        problems.append(f"{path}: type {old_type} became {new_type}")
    if "enum" in new:
        lost = set(old.get("enum", [])) - set(new["enum"]) if "enum" in old else {"(any)"}
        if lost:
            problems.append(f"{path}: no longer accepts {sorted(lost)}")
    for key in _UPPER:
        if key in new and (key not in old or new[key] < old[key]):
            problems.append(f"{path}: {key} tightened to {new[key]}")
    for key in _LOWER:
        if key in new and (key not in old or new[key] > old[key]):
            problems.append(f"{path}: {key} tightened to {new[key]}")
    for key in _EXACT:
        if key in new and new.get(key) != old.get(key):
            problems.append(f"{path}: {key} changed to {new[key]!r}")
    if old_type == "array" and new_type == "array" and "items" in old and "items" in new:
        problems += _compare(old["items"], new["items"], old_root, new_root, f"{path}[]")
    if old_type == "object" or "properties" in old:
        problems += _compare_object(old, new, old_root, new_root, f"{path}.")
    return problems
