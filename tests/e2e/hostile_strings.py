"""Schemathesis hooks (SCHEMATHESIS_HOOKS): besides what it generates from the schemas, put the
strings of the hostile-input review into bodies and query strings, where a string is expected."""

from typing import Any

import schemathesis
from hypothesis import strategies as st

HOSTILE = [
    "Handläggare\x0b",
    "rad\x85två",
    "\ud800",
    "</script><!--",
    "https://www.skatteverket.se@evil.example/jobb",
    "https://evil.example\\@www.csn.se/jobb",
    "https://www.csn.se/jobb\r\nX: y",
    "https://www.csn.se/\u202ejobb",
    "rt-x\n",
    "--",
    "rtü-x@example.org",
    "x@exämple.org",
    "a\x00b",
]


# A URL cannot carry a lone surrogate at all (the client cannot encode it); JSON can, escaped.
IN_QUERIES = [s for s in HOSTILE if s != "\ud800"]


def _hostile(value: Any, strings: list[str]) -> st.SearchStrategy[Any]:
    if isinstance(value, str):
        return st.sampled_from([value, *strings])
    if isinstance(value, dict):
        return st.fixed_dictionaries({k: _hostile(v, strings) for k, v in value.items()})
    if isinstance(value, list):
        return st.tuples(*(_hostile(v, strings) for v in value)).map(list)
    return st.just(value)


@schemathesis.hook
def flatmap_body(context: Any, body: Any) -> st.SearchStrategy[Any]:
    return _hostile(body, HOSTILE)


@schemathesis.hook
def flatmap_query(context: Any, query: Any) -> st.SearchStrategy[Any]:
    return _hostile(query or {}, IN_QUERIES)
