"""Checks of a service's gettext catalogues: the message ids its templates and code use, found
as a translator's tools find them (Babel's extraction), against what each catalogue has."""

from pathlib import Path
from typing import Any

from babel.messages.extract import extract, extract_python
from jinja2.ext import babel_extract

# The functions that name a message: the templates' `t`, gettext's own names.
KEYWORDS = {"t": None, "_": None, "gettext": None, "ngettext": (1, 2), "text": None, "plural": None}


def ids_used(*paths: Path) -> set[str]:
    """Every message id named in the templates (`*.j2`) and Python files under `paths`."""
    found: set[str] = set()
    for root in paths:
        for path in sorted(root.rglob("*")):
            method: Any
            if path.suffix == ".j2":
                method, options = babel_extract, {"extensions": "jinja2.ext.i18n"}
            elif path.suffix == ".py":
                method, options = extract_python, {}
            else:
                continue
            with path.open("rb") as file:
                for _line, message, _comments, _context in extract(
                    method,
                    file,
                    keywords=KEYWORDS,
                    options=options,
                ):
                    found.add(message[0] if isinstance(message, tuple) else message)
    return found
