"""A search as the site's forms and links carry it, and what it means for the services' APIs:
the vacancies search, a saved search's filters, and the links between pages. Plain Python."""

import re
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from myndnet_schemas.topics import AGENCY_CODE_RE

from myndnet_web.domain.texts import VOCABULARY

PAGE_SIZE = 20
MAX_QUERY = 200
MAX_MUNICIPALITY = 100
CURSOR = re.compile(r"^[A-Za-z0-9_-]{1,500}$")

# The page's filter names, each the same as the vacancies API's.
CHOICES = ("occupation_field", "employment_type", "target_group", "remote")


def one_line(text: str, longest: int) -> str:
    """Form text as a search takes it: control characters out, spaces collapsed."""
    cleaned = "".join(c if c.isprintable() else " " for c in text)
    return " ".join(cleaned.split())[:longest]


@dataclass(frozen=True)
class Search:
    """Unknown values are dropped, not refused: a link is often old or hand-edited, and a page
    that shows the rest is more use than an error."""

    q: str = ""
    agency: str = ""
    occupation_field: str = ""
    municipality: str = ""
    employment_type: str = ""
    target_group: str = ""
    remote: str = ""
    cursor: str = ""
    start: int = 0  # how many results the earlier pages showed
    dropped: tuple[str, ...] = field(default=())

    @classmethod
    def from_query(cls, params: dict[str, str]) -> "Search":
        dropped = []
        values: dict[str, Any] = {
            "q": one_line(params.get("q", ""), MAX_QUERY),
            "municipality": one_line(params.get("municipality", ""), MAX_MUNICIPALITY),
        }
        agency = params.get("agency", "")
        if agency and AGENCY_CODE_RE.fullmatch(agency):
            values["agency"] = agency
        elif agency:
            dropped.append("agency")
        for name in CHOICES:
            value = params.get(name, "")
            if value in VOCABULARY[name]:
                values[name] = value
            elif value:
                dropped.append(name)
        cursor = params.get("cursor", "")
        start = params.get("start", "")
        if CURSOR.fullmatch(cursor) and start.isdigit() and int(start) < 10_000_000:
            values["cursor"], values["start"] = cursor, int(start)
        return cls(**values, dropped=tuple(dropped))

    def filters(self) -> dict[str, str]:
        """What narrows the search, without paging."""
        names = ("q", "agency", "occupation_field", "municipality", *CHOICES[1:])
        return {name: getattr(self, name) for name in names if getattr(self, name)}

    def api_params(self, limit: int = PAGE_SIZE) -> dict[str, Any]:
        """For `GET /vacancies` of the vacancies service."""
        params: dict[str, Any] = {**self.filters(), "limit": limit, "facets": "true"}
        if self.cursor:
            params["cursor"] = self.cursor
        return params

    def link(self, path: str, **changes: Any) -> str:
        """This search (changed) as a page's address; paging starts over unless given."""
        changed = replace(self, **{"cursor": "", "start": 0, **changes})
        query = changed.filters()
        if changed.cursor:
            query = {**query, "cursor": changed.cursor, "start": str(changed.start)}
        return f"{path}?{urlencode(query)}" if query else path

    def next_page(self, path: str, cursor: str | None, shown: int) -> str | None:
        if not cursor:
            return None
        return self.link(path, cursor=cursor, start=self.start + shown)

    def saved_search_filters(self) -> dict[str, list[str]]:
        """The search as a job alert's filters (notify's `filters`): its words become
        keywords, of which an advert must hold at least one."""
        words = [w.strip('"') for w in self.q.split() if not w.startswith("-")]  # -x excludes
        keywords = [w for w in words if 2 <= len(w) <= 50 and w.lower() != "or"][:20]
        return {
            "agencies": [self.agency] if self.agency else [],
            "occupation_fields": [self.occupation_field] if self.occupation_field else [],
            "municipalities": [self.municipality] if self.municipality else [],
            "employment_types": [self.employment_type] if self.employment_type else [],
            "target_groups": [self.target_group] if self.target_group else [],
            "keywords": keywords,
        }
