"""Nuxeo's replies as they travel: msgspec Structs describing the JSON, checked by `expect` before anything reads them.

A reply that does not fit (a `null` where a document belongs, a list instead of a page, a document without a uid, a
blob length of `1e999`) becomes one `ProtocolError` naming the request and the place. What the client cannot work
without is required (a document's uid, a page's entries, an operation's id); the rest may be missing or
`null`, as older servers leave fields out. Unknown keys are ignored; numbers sent as strings (a blob's length) are
accepted. `models.py` turns these into the typed values the pane uses.

Documents keep their JSON as well (the pane shows it raw, and lists every property), so a document's `properties`
and `contextParameters` are checked only for the keys the client reads; the rest passes through as it came.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

import msgspec

from tui.http import expect

SERVICE = "Nuxeo"

T = TypeVar("T")

Id = Annotated[str, msgspec.Meta(min_length=1)]
# JSON's safe integers: a count past them is not a count. Nuxeo says a result count is unknown with -1, or with -2
# when its page provider stopped counting (a limit on how far it counts).
Count = Annotated[int, msgspec.Meta(ge=-2, le=2**53)]
Index = Annotated[int, msgspec.Meta(ge=0, le=2**53)]


def checked(value: Any, shape: type[T], what: str) -> T:
    """`value` (decoded JSON) as `shape`, or a `ProtocolError` naming `what` was asked ("GET api/v1/me")."""
    return expect(value, shape, service=SERVICE, what=what)


class Wire(msgspec.Struct, rename="camel", gc=False):
    """A JSON object of Nuxeo's: snake_case here, camelCase on the wire (other odd keys are named where declared)."""


class BlobWire(Wire):
    """A binary property (`file:content`); Nuxeo sends its length as a string."""

    name: str | None = None
    mime_type: str | None = msgspec.field(default=None, name="mime-type")
    length: Index | None = None
    digest: str | None = None
    data: str | None = None


class PropertiesWire(Wire):
    """The properties the client reads itself; every other one is kept as it came (see `DocumentWire`)."""

    title: str | None = msgspec.field(default=None, name="dc:title")
    description: str | None = msgspec.field(default=None, name="dc:description")
    modified: str | None = msgspec.field(default=None, name="dc:modified")
    creator: str | None = msgspec.field(default=None, name="dc:creator")
    last_contributor: str | None = msgspec.field(default=None, name="dc:lastContributor")
    content: BlobWire | None = msgspec.field(default=None, name="file:content")


class ChildrenWire(Wire):
    """The `children` enricher: how many documents a folder holds (the sandbox's `childCount`, or a page's counts)."""

    child_count: Count | None = None
    results_count: Count | None = None
    total_size: Count | None = None
    has_folderish_child: bool | None = None


class ContextWire(Wire):
    """`contextParameters`: what enrichers added."""

    children: ChildrenWire | None = None
    has_folderish_child: bool | None = None
    permissions: list[str] | None = None


class DocumentWire(Wire):
    uid: Id
    path: str | None = None  # null for a version whose live document was deleted (Nuxeo keeps those until a clean-up)
    type: str | None = None
    title: str | None = None
    state: str | None = None
    repository: str | None = None
    parent_ref: str | None = None
    change_token: str | None = None
    facets: list[str] | None = None
    last_modified: str | None = None
    properties: PropertiesWire | None = None
    context_parameters: ContextWire | None = None
    is_trashed: bool | None = None
    lock_owner: str | None = None  # sent when the lock was asked for (`X-NXfetch.document: lock`) and one is held
    lock_created: str | None = None
    is_version: bool | None = None
    is_checked_out: bool | None = None
    version_label: str | None = None


class PageWire(Wire):
    """A `documents` entity: one page of children or search results (older servers say totalSize/pageIndex)."""

    entries: list[DocumentWire]
    results_count: Count | None = None
    total_size: Count | None = None
    current_page_index: Index | None = None
    page_index: Index | None = None
    page_size: Index | None = None
    number_of_pages: Index | None = None
    page_count: Index | None = None
    is_next_page_available: bool | None = None


class UserPropertiesWire(Wire):
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    groups: list[str] | None = None


class UserWire(Wire):
    id: str | None = None
    properties: UserPropertiesWire | None = None
    is_administrator: bool | None = None


class RepositoryInfoWire(Wire):
    product_version: str | None = None


class CmisWire(Wire):
    """`json/cmis`: the repositories by name, each saying which Nuxeo it runs on."""

    default: RepositoryInfoWire | None = None


class ParamWire(Wire):
    name: Id
    type: str | None = None
    required: bool | None = None
    description: str | None = None
    values: list[str] | None = None
    order: Count | None = None


class OperationWire(Wire):
    id: Id
    label: str | None = None
    category: str | None = None
    description: str | None = None
    aliases: list[str] | None = None
    signature: list[str] | None = None
    params: list[ParamWire] | None = None


class OperationsWire(Wire):
    """`site/automation`: the operations (and chains, which the client does not list)."""

    operations: list[OperationWire]


class BatchWire(Wire):
    """`POST api/v1/upload`: the new upload batch."""

    batch_id: Id
