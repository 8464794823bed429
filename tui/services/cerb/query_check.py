"""Which filters a ticket search names that Cerb does not know.

Cerb answers a search with a filter it does not know (`colour:blue`, or a typo such as `stauts:o`) with zero results
and no word of why. The client checks the names against Cerb 10's ticket filters when a search found nothing, so the
person learns that the filter, not the data, is the reason.
"""

from __future__ import annotations

import re

from tui.http import BadRequestError

SERVICE = "Cerb"

# Cerb 10.4's ticket search filters (its quick search fields), and the keywords every search takes
KNOWN = frozenset(
    """
    text bucket bucket.id comments comments.first comments.last closed created group group.id fieldset id importance
    inGroupsOf lastOpenedAt mask messages messages.count messages.count.in messages.count.out messages.first
    messages.firstOutgoing messages.last org org.id owner owner.id participant participant.id reopen resolution.first
    response.first responsibility spam.score spam.training status status.id subject timeSpentOpen updated watchers
    watchers.count worker.commented worker.replied sort limit page links
    """.lower().split()
)
# filters outside the list that Cerb still reads: custom fields (custom.12), record links (links.org)
OPEN_ENDED = ("custom.", "custom_", "links.", "cf_")

_FILTER = re.compile(r"(?:^|[\s(])(!?)([A-Za-z_][\w.]*):(?=\S)")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')


def unknown_filters(query: str) -> list[str]:
    """The filter names of `query` (outside quoted text and at any depth) that Cerb does not know, in order."""
    unquoted = _QUOTED.sub('""', query)
    found: list[str] = []
    for match in _FILTER.finditer(unquoted):
        name = match.group(2)
        lowered = name.lower()
        if lowered in KNOWN or lowered.startswith(OPEN_ENDED) or name in found:
            continue
        # inside a deep search (`group:(name:x)`) the names are the related record's; only the top level is checked
        depth = unquoted[: match.start(2)].count("(") - unquoted[: match.start(2)].count(")")
        if depth == 0:
            found.append(name)
    return found


class UnknownFilter(BadRequestError):
    """A search matched nothing and names filters Cerb does not know."""

    def __init__(self, names: list[str]):
        listed = ", ".join(f"'{n}'" for n in names)
        super().__init__(
            f"Unknown search filter {listed}: Cerb ignores a filter it does not know and matches nothing.",
            hint="Check the spelling; Cerb's ticket filters include status, group, bucket, owner, subject, mask.",
            service=SERVICE,
        )
        self.names = names
