"""A small Swagger 2.0 checker: types, required keys and unknown keys, following $ref."""

from __future__ import annotations

from typing import Any

__all__ = ["SchemaChecker"]

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
    "array": (list,), "object": (dict,),
}


class SchemaChecker:
    """Collects problems as ``path: what`` strings; an empty list means the value conforms.

    ``null`` is accepted for any property: Magento serialises empty columns as null
    (``telephone``, ``cc_last4``) even where the schema names no ``x-nullable``.
    """

    def __init__(self, document: dict[str, Any], *, allow_unknown: bool = False) -> None:
        self.definitions: dict[str, Any] = document["definitions"]
        self.paths: dict[str, Any] = document["paths"]
        self.allow_unknown = allow_unknown

    def response_schema(self, path: str, method: str = "get") -> dict[str, Any]:
        return self.paths[path][method]["responses"]["200"]["schema"]  # type: ignore[no-any-return]

    def check(self, value: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
        if "$ref" in schema:
            schema = self.definitions[schema["$ref"].rsplit("/", 1)[-1]]
        if value is None:
            return []
        kind = schema.get("type", "object" if "properties" in schema else None)
        if kind is None:
            return []
        allowed = _TYPES[kind]
        if isinstance(value, bool) and kind in ("integer", "number"):
            return [f"{where}: boolean where {kind} expected"]
        if not isinstance(value, allowed):
            return [f"{where}: {type(value).__name__} where {kind} expected"]
        problems: list[str] = []
        if isinstance(value, list):
            for index, item in enumerate(value):
                problems += self.check(item, schema.get("items", {}), f"{where}[{index}]")
        elif isinstance(value, dict):
            properties = schema.get("properties", {})
            for name in schema.get("required", []):
                if name not in value:
                    problems.append(f"{where}: required {name!r} missing")
            for name, item in value.items():
                if name in properties:
                    problems += self.check(item, properties[name], f"{where}.{name}")
                elif properties and not self.allow_unknown and "additionalProperties" not in schema:
                    problems.append(f"{where}: unknown key {name!r}")
        return problems
