"""Content Automation's machinery: how an operation is described, called and answered.

An operation (`OperationSpec`, registered in `operations.py`) runs on a `Call` (input, parameters, who) and returns a
`Result`. `run_operation` reads the HTTP request (JSON, or `multipart/related` with blobs as input), checks and
converts the parameters against the spec, resolves the input reference and renders the result.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tui.sandbox.common import json_object
from tui.sandbox.nuxeo.entities import document_response, page_response
from tui.sandbox.nuxeo.errors import NuxeoHTTPError
from tui.sandbox.nuxeo.schema import Doc
from tui.sandbox.nuxeo.store import Repository


def parse_properties(value: Any) -> dict[str, Any]:
    """Automation's `properties` parameter: a JSON object, or the `key=value` lines form (`\\n` escapes newlines)."""
    if value is None or value == "":
        return {}
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        out: dict[str, Any] = {}
        for line in value.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            key, sep, val = line.partition("=")
            if not sep:
                raise NuxeoHTTPError(400, f"Properties must be written key=value, not {line!r}")
            out[key.strip()] = val.replace("\\n", "\n")
        return out
    raise NuxeoHTTPError(400, "The properties parameter must be an object or key=value lines")


def string_list(value: Any) -> list[str]:
    """A `stringlist` parameter: a JSON list, or comma-separated text."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [v.strip() for v in str(value).split(",")]


@dataclass
class Param:
    name: str
    type: str = "string"
    required: bool = False
    description: str = ""
    values: list[str] = field(default_factory=list)
    widget: str | None = None


@dataclass
class Result:
    """What an operation produced: kind is "document", "documents", "blob", "json" or "void"."""

    kind: str
    value: Any = None


@dataclass
class Call:
    """One operation call: who, on what, with which parameters."""

    repo: Repository
    log: deque[tuple[str, str]]  # what the Log operation writes
    request: Request
    user: str
    input: Any  # None, a Doc, a list of Doc, a blob metadata dict (one uploaded file) or a list of them
    params: dict[str, Any]
    context: dict[str, Any]


@dataclass
class OperationSpec:
    id: str
    category: str
    label: str
    description: str
    signature: list[str]
    params: list[Param]
    run: Callable[[Call], Result]
    aliases: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "aliases": list(self.aliases),
            "label": self.label,
            "category": self.category,
            "requires": None,
            "description": self.description,
            "url": self.id,
            "signature": list(self.signature),
            "params": [
                {
                    "name": p.name,
                    "description": p.description,
                    "type": p.type,
                    "required": p.required,
                    "widget": p.widget,
                    "order": i,
                    "values": list(p.values),
                }
                for i, p in enumerate(self.params)
            ],
        }


def input_doc(call: Call) -> Doc:
    if isinstance(call.input, Doc):
        return call.input
    if isinstance(call.input, list) and len(call.input) == 1 and isinstance(call.input[0], Doc):
        return call.input[0]
    raise NuxeoHTTPError(400, 'This operation needs a document as input ("input": "doc:/path" or a uid)')


def input_docs(call: Call) -> list[Doc]:
    if isinstance(call.input, Doc):
        return [call.input]
    if isinstance(call.input, list) and all(isinstance(d, Doc) for d in call.input) and call.input:
        return call.input
    raise NuxeoHTTPError(400, "This operation needs documents as input")


def coerce(param: Param, value: Any, op_id: str) -> Any:
    try:
        if param.type in ("integer", "int", "long") and not isinstance(value, int):
            return int(value)
        if param.type == "boolean" and isinstance(value, str):
            return value.strip().lower() == "true"
    except (TypeError, ValueError):
        raise NuxeoHTTPError(
            400, f"Failed to invoke operation {op_id}: parameter {param.name} must be a number"
        ) from None
    return value


# --------------------------------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------------------------------


def bind_params(spec: OperationSpec, raw_params: Any) -> dict[str, Any]:
    """The call's parameters checked against the spec: required ones present, numbers and booleans converted,
    unknown ones dropped."""
    if not isinstance(raw_params, dict):
        raise NuxeoHTTPError(400, "params must be a JSON object")
    params: dict[str, Any] = {}
    for param in spec.params:
        value = raw_params.get(param.name)
        if value is None or value == "":
            if param.required:
                raise NuxeoHTTPError(
                    400, f"Failed to invoke operation {spec.id}: required parameter '{param.name}' is missing"
                )
            continue
        params[param.name] = coerce(param, value, spec.id)
    return params


async def multipart_call(request: Request, repo: Repository) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Automation with blobs as input: `multipart/related`, the JSON request first, then one part per blob."""
    raw = await request.body()
    head = f"Content-Type: {request.headers['content-type']}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
    parts = list(message.iter_parts()) if message.is_multipart() else []
    if not parts:
        raise NuxeoHTTPError(400, "The multipart request has no parts")
    try:
        body = json.loads(payload_of(parts[0]) or b"{}")
    except ValueError:
        raise NuxeoHTTPError(400, "The first part of a multipart automation request must be the JSON request") from None
    blobs = []
    for part in parts[1:]:
        data = payload_of(part)
        name = part.get_filename() or "blob"
        digest = repo.store_blob(data)
        blobs.append({"name": name, "mime-type": part.get_content_type(), "digest": digest, "length": len(data)})
    return (body if isinstance(body, dict) else {}), blobs


def payload_of(part: email.message.Message) -> bytes:
    """A MIME part's bytes, transfer encoding undone."""
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def resolve_input(repo: Repository, value: Any) -> Any:
    """The request's `input`: "doc:/path", "doc:uid", a bare reference, "docs:uid1,/path2" (uids or paths, as the
    official clients send a list) or a JSON list of references; a list gives the operation a list of documents."""
    if value in (None, ""):
        return None
    if isinstance(value, list) and all(isinstance(ref, str) for ref in value):
        return [repo.resolve(ref) for ref in value if ref.strip()]
    if not isinstance(value, str):
        raise NuxeoHTTPError(400, "input must be a string like doc:/path or docs:uid1,uid2")
    if value.startswith("docs:"):
        return [repo.resolve(ref) for ref in value[5:].split(",") if ref.strip()]
    return repo.resolve(value)


def doc_or_docs(call: Call, docs: list[Doc]) -> Result:
    """An operation's answer for what it did to each input document: one document for a document input, a
    `documents` list for a list input (even of one), as Nuxeo answers."""
    return Result("document", docs[0]) if isinstance(call.input, Doc) else Result("documents", docs)


async def run_operation(
    spec: OperationSpec,
    request: Request,
    user: str,
    repo: Repository,
    log: deque[tuple[str, str]],
    *,
    blobs: dict[str, Any] | list[dict[str, Any]] | None = None,
    on: Doc | None = None,
) -> Response:
    """Run an operation; its input is `blobs` (upload batch or multipart parts), `on` (the @op adapter's
    document) or the request's `input`."""
    if request.headers.get("content-type", "").startswith("multipart/"):
        body, attached = await multipart_call(request, repo)
        blobs = attached if attached else blobs
    else:
        body = await json_object(request)
    params = bind_params(spec, body.get("params") or {})
    input_value: Any = blobs
    if on is not None:
        input_value = on
    elif blobs is None:
        input_value = resolve_input(repo, body.get("input"))
    context = body.get("context") or {}
    if not isinstance(context, dict):
        raise NuxeoHTTPError(400, "context must be a JSON object")
    if context.get("currentDocument"):  # Nuxeo resolves it before running: a reference to nothing fails the call
        repo.resolve(str(context["currentDocument"]))
    result = spec.run(Call(repo, log, request, user, input_value, params, context))
    void = request.headers.get("X-NXVoidOperation", "").lower() == "true"
    return result_response(repo, result, request, void)


def result_response(repo: Repository, result: Result, request: Request, void: bool) -> Response:
    if void or result.kind == "void":
        return Response(status_code=204)
    if result.kind == "document":
        return document_response(repo, result.value, request)
    if result.kind == "documents":
        if isinstance(result.value, tuple):
            docs, total, page_index, page_size = result.value
        else:
            docs, total, page_index, page_size = result.value, len(result.value), 0, max(1, len(result.value))
        return page_response(repo, docs, total, page_index, page_size, request)
    if result.kind == "blob":
        meta, data = result.value
        return Response(data, media_type=str(meta.get("mime-type") or "application/octet-stream"))
    return JSONResponse(result.value)
