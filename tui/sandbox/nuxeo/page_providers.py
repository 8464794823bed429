"""Searches as the REST API runs them: NXQL (`/api/v1/query/NXQL`, `/api/v1/search/lang/NXQL/execute`,
`/api/v1/search/execute`) and named page providers (`/api/v1/query/{name}`, `/api/v1/search/pp/{name}/execute`).

A page provider is a stored query: a condition with `?` filled by the ordered `queryParams` (each repeated parameter
is one value, commas and all), optional predicates filled by named parameters, a default sort and page size. The
four a fresh server's clients use most are defined here with what they filter (see `PROVIDERS`).

Counting follows Nuxeo: a provider whose `maxResults` is its page size (CURRENT_DOC_CHILDREN, tree_children), and an
NXQL search given `maxResults`, count matches only up to that limit; beyond it the total is unknown
(`resultsCount` -2, `numberOfPages` 0) and `isNextPageAvailable` says whether this page was full.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from tui.sandbox.common import int_param
from tui.sandbox.nuxeo.entities import Rendering, documents_json, page_entity
from tui.sandbox.nuxeo.errors import NuxeoHTTPError
from tui.sandbox.nuxeo.nxql import NxqlError, compile_nxql, quote_literal
from tui.sandbox.nuxeo.paging import DEFAULT_PAGE_SIZE, paging, sort_items
from tui.sandbox.nuxeo.schema import Doc
from tui.sandbox.nuxeo.store import Repository

UNKNOWN_AFTER_QUERY = -2  # what Nuxeo reports as the total when it stopped counting
# Query parameters the search endpoints read themselves; every other one is a named parameter.
RESERVED = {"query", "pageSize", "currentPageIndex", "offset", "maxResults", "sortBy", "sortOrder", "queryParams"}


@dataclass(frozen=True)
class Predicate:
    """A condition a named parameter switches on: `field` (and `upper` for BETWEEN) name the parameters."""

    field: str
    prop: str
    operator: str  # FULLTEXT, IN, BETWEEN, STARTSWITH
    upper: str = ""


@dataclass(frozen=True)
class QuickFilter:
    clause: str = ""
    sort: tuple[tuple[str, bool], ...] = ()


@dataclass(frozen=True)
class PageProvider:
    name: str
    where: str  # NXQL condition; `?` are the ordered parameters, SORTED_COLUMN the first sort column
    sort: tuple[tuple[str, bool], ...] = ()  # (property, ascending)
    page_size: int = DEFAULT_PAGE_SIZE
    count_up_to_page: bool = False  # maxResults = PAGE_SIZE
    predicates: tuple[Predicate, ...] = ()
    schema: str = ""  # the search document's schema prefix, which named parameters may carry
    quick_filters: dict[str, QuickFilter] = field(default_factory=dict)


_NAVIGABLE = "ecm:mixinType != 'HiddenInNavigation' AND ecm:isVersion = 0 AND ecm:isTrashed = 0"
PROVIDERS: dict[str, PageProvider] = {
    p.name: p
    for p in (
        PageProvider(
            "CURRENT_DOC_CHILDREN",
            f"ecm:parentId = ? AND {_NAVIGABLE}",
            sort=(("dc:title", True),),
            page_size=50,
            count_up_to_page=True,
        ),
        PageProvider(
            "tree_children",
            f"ecm:parentId = ? AND ecm:isProxy = 0 AND ecm:mixinType = 'Folderish' AND {_NAVIGABLE}",
            sort=(("ecm:pos", True), ("dc:title", True)),
            page_size=50,
            count_up_to_page=True,
        ),
        PageProvider(
            "document_content",
            f"ecm:parentId = ? AND {_NAVIGABLE}",
            sort=(("dc:title", True),),
            page_size=20,
            predicates=(
                Predicate("fulltext_all", "ecm:fulltext", "FULLTEXT"),
                Predicate("title", "dc:title", "FULLTEXT"),
                Predicate("modified_min", "dc:modified", "BETWEEN", upper="modified_max"),
            ),
            schema="advanced_search",
        ),
        PageProvider(
            "default_search",
            "ecm:primaryType NOT IN ('Domain', 'SectionRoot', 'TemplateRoot', 'WorkspaceRoot', 'Favorites')"
            " AND ecm:mixinType != 'HiddenInNavigation'"
            " AND NOT (ecm:mixinType = 'Collection' AND ecm:name = 'Locally Edited')"
            " AND ecm:isVersion = 0 AND ecm:isTrashed = 0 AND ecm:parentId IS NOT NULL"
            " AND SORTED_COLUMN IS NOT NULL",
            page_size=20,
            predicates=(
                Predicate("ecm_fulltext", "ecm:fulltext", "FULLTEXT"),
                Predicate("dc_creator", "dc:creator", "IN"),
                Predicate("dc_created_min", "dc:created", "BETWEEN", upper="dc_created_max"),
                Predicate("dc_modified_min", "dc:modified", "BETWEEN", upper="dc_modified_max"),
                Predicate("dc_nature", "dc:nature", "IN"),
                Predicate("ecm_path", "ecm:path", "STARTSWITH"),
            ),
            schema="defaults",
            quick_filters={
                "noFolder": QuickFilter("ecm:mixinType != 'Folderish'"),
                "mostRecent": QuickFilter(sort=(("dc:modified", False),)),
                "onlyValidated": QuickFilter("ecm:currentLifeCycleState = 'approved'", (("dc:modified", False),)),
            },
        ),
    )
}


@dataclass
class PageResult:
    docs: list[Doc]
    results_count: int  # UNKNOWN_AFTER_QUERY when counting stopped at count_limit
    page_index: int
    page_size: int
    offset: int
    count_limit: int  # Nuxeo's resultsCountLimit: 0 when every match is counted


def optional_int(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    return None if raw in (None, "") else int_param(raw, name, 0)


def run_search(
    repo: Repository,
    nxql: str,
    ordered: list[str],
    *,
    page_index: int,
    page_size: int,
    offset: int | None,
    order_by: list[str],
    count_limit: int,
) -> PageResult:
    """One page of an NXQL query; `count_limit` > 0 stops counting there, as Nuxeo's countUpTo does."""
    page_index, page_size, default_offset = paging(page_index, page_size)
    start = default_offset if offset is None else max(0, offset)
    try:
        compiled = compile_nxql(nxql, ordered)
    except NxqlError as exc:
        raise NuxeoHTTPError(400, f"Failed to execute query: {nxql}, {exc}") from None
    docs, total = repo.query(compiled, start, page_size, order_by)
    if count_limit > 0 and total > count_limit:
        total = UNKNOWN_AFTER_QUERY
    return PageResult(
        docs, total, start // page_size if offset is not None else page_index, page_size, start, count_limit
    )


def provider_query(provider: PageProvider, named: dict[str, str], sort: tuple[tuple[str, bool], ...]) -> str:
    """The provider's NXQL: its condition, the predicates its named parameters switch on, with SORTED_COLUMN set."""
    parts = [provider.where.replace("SORTED_COLUMN", sort[0][0] if sort else "ecm:uuid")]
    for predicate in provider.predicates:
        clause = predicate_clause(predicate, named)
        if clause:
            parts.append(clause)
    return "SELECT * FROM Document WHERE " + " AND ".join(f"({p})" for p in parts)


def predicate_clause(predicate: Predicate, named: dict[str, str]) -> str:
    value = named.get(predicate.field, "")
    if predicate.operator == "BETWEEN":
        upper = named.get(predicate.upper, "")
        bounds = [f"{predicate.prop} >= TIMESTAMP {quote_literal(value)}"] if value else []
        bounds += [f"{predicate.prop} <= TIMESTAMP {quote_literal(upper)}"] if upper else []
        return " AND ".join(bounds)
    if not value:
        return ""
    if predicate.operator == "FULLTEXT":
        prop = "ecm:fulltext" if predicate.prop == "ecm:fulltext" else f"ecm:fulltext.{predicate.prop}"
        return f"{prop} = {quote_literal(value)}"
    if predicate.operator == "IN":
        values = [v.strip() for v in value.split(",") if v.strip()]
        return f"{predicate.prop} IN ({', '.join(quote_literal(v) for v in values)})" if values else ""
    return f"{predicate.prop} STARTSWITH {quote_literal(value)}"


def named_parameters(request: Request, provider: PageProvider) -> dict[str, str]:
    """The provider's named parameters, written bare (`ecm_fulltext`) or with the search schema's prefix."""
    out: dict[str, str] = {}
    for key, value in request.query_params.items():
        if key in RESERVED:
            continue
        bare = key.split(":", 1)[1] if provider.schema and key.startswith(provider.schema + ":") else key
        out[bare] = value
    return out


def requested_sort(request: Request) -> tuple[tuple[str, bool], ...]:
    """`sortBy` / `sortOrder` as (property, ascending) pairs; only "asc" means ascending."""
    props = [p.strip() for p in (request.query_params.get("sortBy") or "").split(",") if p.strip()]
    orders = [o.strip().lower() for o in (request.query_params.get("sortOrder") or "").split(",")]
    return tuple((prop, i < len(orders) and orders[i] == "asc") for i, prop in enumerate(props))


def order_items(sort: tuple[tuple[str, bool], ...]) -> list[str]:
    """SQL ORDER BY items for (property, ascending) pairs."""
    if not sort:
        return []
    return sort_items(",".join(p for p, _ in sort), ",".join("asc" if asc else "desc" for _, asc in sort))


def run_provider(repo: Repository, name: str, request: Request) -> PageResult:
    provider = PROVIDERS.get(name)
    if provider is None:
        # Nuxeo fails the same way (an unresolved provider is a server error there)
        raise NuxeoHTTPError(500, f"Could not resolve page provider with name '{name}'")
    sort = provider.sort
    clauses = []
    for filter_name in (request.query_params.get("quickFilters") or "").split(","):
        quick = provider.quick_filters.get(filter_name.strip())
        if quick is not None:
            clauses += [quick.clause] if quick.clause else []
            sort = quick.sort or sort
    sort = requested_sort(request) or sort
    nxql = provider_query(provider, named_parameters(request, provider), sort)
    nxql += "".join(f" AND ({clause})" for clause in clauses)
    page_size = optional_int(request, "pageSize")
    size = provider.page_size if page_size is None else page_size
    return run_search(
        repo,
        nxql,
        request.query_params.getlist("queryParams"),
        page_index=optional_int(request, "currentPageIndex") or 0,
        page_size=size,
        offset=optional_int(request, "offset"),
        order_by=order_items(sort),
        count_limit=paging(0, size)[1] if provider.count_up_to_page else 0,
    )


def run_nxql(repo: Repository, request: Request) -> PageResult:
    query = request.query_params.get("query") or "SELECT * FROM Document"
    max_results = optional_int(request, "maxResults")
    page_size = optional_int(request, "pageSize")
    return run_search(
        repo,
        query,
        request.query_params.getlist("queryParams"),
        page_index=optional_int(request, "currentPageIndex") or 0,
        page_size=DEFAULT_PAGE_SIZE if page_size is None else page_size,
        offset=optional_int(request, "offset"),
        order_by=order_items(requested_sort(request)),
        count_limit=max_results if max_results and max_results > 0 else 0,
    )


def page_json(entries: list[dict[str, Any]], result: PageResult) -> dict[str, Any]:
    """The `documents` entity of one page, with Nuxeo's fields for a total it did not count."""
    known = result.results_count >= 0
    page = page_entity(entries, result.results_count if known else 0, result.page_index, result.page_size)
    page["resultsCountLimit"] = result.count_limit
    page["currentPageOffset"] = result.offset
    page["isPreviousPageAvailable"] = result.offset > 0
    if known:
        following = result.results_count > result.offset + result.page_size
        page.update(isNextPageAvailable=following, isLastPageAvailable=following)
    else:
        page.update(
            resultsCount=result.results_count,
            totalSize=result.results_count,
            numberOfPages=0,
            pageCount=0,
            isNextPageAvailable=len(entries) >= result.page_size,
            isLastPageAvailable=False,
        )
    return page


def search_response(repo: Repository, request: Request, provider: str | None) -> JSONResponse:
    """`provider` None: the NXQL search of the request's `query`."""
    result = run_nxql(repo, request) if provider is None else run_provider(repo, provider, request)
    entries = documents_json(repo, result.docs, Rendering.of(request))
    return JSONResponse(page_json(entries, result))
