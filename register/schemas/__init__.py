"""JSON Schemas (draft 2020-12) of the ``--format json`` outputs, generated from the types.

Each output is described by a ``TypedDict`` beside the type that produces it (its
``to_dict()`` is annotated with it, so mypy keeps the two together); :data:`SCHEMAS` names
them.  The generated schemas ship in this package as ``<name>.schema.json``
(:func:`load_schema`); ``scripts/gen_schemas.py`` regenerates them and a test pins that the
shipped files are what the types give now.  Publishing another output is one line in
:data:`SCHEMAS` and a run of the script.

Generation (:func:`generate_schema`) uses pydantic (installed with sqlmodel) and is only
needed by the script and the tests; reading a shipped schema needs nothing.  Every object is
closed (``additionalProperties: false``), optional keys are the ``NotRequired`` ones, and the
top level requires ``schema_version`` equal to :data:`SCHEMA_VERSION` (``--format json``
always carries it).
"""

from __future__ import annotations

import json
from importlib import import_module, resources
from typing import Any

from register.versions import SCHEMA_VERSION

__all__ = ["DRAFT", "SCHEMAS", "generate_schema", "load_schema", "render_schema",
           "schema_filename"]

DRAFT = "https://json-schema.org/draft/2020-12/schema"

# schema name -> ("module:TypedDict" describing the JSON, the command that prints it).
SCHEMAS: dict[str, tuple[str, str]] = {
    "check": ("register.check.result:CheckResultJSON", "register check --format json"),
    "license-normalize": ("register.licenses.normalize:NormalizationJSON",
                          "register license normalize --format json (each line)"),
    "show": ("register.views:DatasetViewJSON", "register show --format json"),
    "list": ("register.views:DatasetListJSON", "register list --format json"),
    "audit-log": ("register.views:AuditLogJSON", "register audit log --format json"),
    "audit-verify": ("register.store.audit:VerifyReportJSON",
                     "register audit verify --format json"),
    "license-show": ("register.licenses.catalog:LicenseTermsJSON",
                     "register license show --format json"),
    "status": ("register.governance.approvals:StatusJSON",
               "register status MODEL|CORPUS --format json"),
    "status-all": ("register.governance.approvals:StatusListJSON",
                   "register status --format json"),
    "reassess": ("register.governance.reassess:ReassessJSON",
                 "register reassess --format json"),
    "checks-list": ("register.check_verbs:RecordedCheckListJSON",
                    "register checks list --format json"),
    "checks-show": ("register.check_verbs:RecordedCheckDetailJSON",
                    "register checks show ID --format json"),
    "dashboard": ("register.reports.figures:FiguresJSON",
                  "register report dashboard --format json"),
    "processing": ("register.reports.processing:ProcessingJSON",
                   "register report processing --format json"),
}


def schema_filename(name: str) -> str:
    return f"{name}.schema.json"


def load_schema(name: str) -> dict[str, Any]:
    """The shipped schema ``name`` (a key of :data:`SCHEMAS`)."""
    if name not in SCHEMAS:
        raise KeyError(f"no JSON Schema named {name!r}: expected one of {', '.join(SCHEMAS)}")
    text = resources.files(__name__).joinpath(schema_filename(name)).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _type_of(name: str) -> Any:
    module, _, attr = SCHEMAS[name][0].partition(":")
    return getattr(import_module(module), attr)


def _close_objects(node: Any) -> None:
    """``additionalProperties: false`` on every object schema; no pydantic titles on
    properties (their names say it)."""
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            node.setdefault("additionalProperties", False)
            for prop in node["properties"].values():
                if isinstance(prop, dict):
                    prop.pop("title", None)
        for value in node.values():
            _close_objects(value)
    elif isinstance(node, list):
        for value in node:
            _close_objects(value)


def generate_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of output ``name``, generated from its TypedDict now."""
    from pydantic import TypeAdapter

    generated = TypeAdapter(_type_of(name)).json_schema(mode="serialization")
    _close_objects(generated)
    props = generated.setdefault("properties", {})
    props["schema_version"] = {"const": SCHEMA_VERSION, "type": "integer"}
    required = generated.setdefault("required", [])
    if "schema_version" not in required:
        required.insert(0, "schema_version")
    source, command = SCHEMAS[name]
    schema: dict[str, Any] = {"$schema": DRAFT, "$comment": (
        f"The output of `{command}`. Generated from {source.replace(':', '.')} by "
        "scripts/gen_schemas.py; do not edit.")}
    schema.update(generated)
    return schema


def render_schema(schema: dict[str, Any]) -> str:
    """A schema as the text of its shipped file."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
