"""What a service says to people, from gettext catalogues: `locales/<language>/LC_MESSAGES/
<domain>.po`, the files a translator edits, read with Babel. Message ids are symbolic
(`digest.intro`); each catalogue gives its language's words. A lookup is strict: an id a
catalogue lacks raises `MissingMessage`, so a page or letter can never show a person an id.
Plural forms follow the catalogue's own rule (`Plural-Forms`), dates are written as people of
the language write them (`31 januari 2027`, `31 January 2027`).

Templates get `_()`, `gettext()` and `ngettext()` from `jinja2.ext.i18n` (new style: values
are given by name and written as `%(name)s`; a literal per cent sign is `%%`), and the filter
`date`."""

import functools
import gettext as gettext_module
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.messages.pofile import read_po
from jinja2 import Environment, pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

LOCALES = {"sv": "sv_SE", "en": "en_GB"}


class MissingMessage(KeyError):
    """A message id that a catalogue does not have."""


@dataclass(frozen=True)
class Catalogue:
    language: str
    messages: dict[str, str | tuple[str, ...]]
    plural_index: Callable[[int], int]

    def gettext(self, message_id: str) -> str:
        text = self._find(message_id)
        return text[0] if isinstance(text, tuple) else text

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        forms = self._find(singular)
        if not isinstance(forms, tuple):
            raise MissingMessage(
                f"{singular!r} has no plural forms in the {self.language} catalogue"
            )
        return forms[min(self.plural_index(count), len(forms) - 1)]

    def text(self, message_id: str, **values: object) -> str:
        """A message with its values, for code rather than templates."""
        return self.gettext(message_id) % values

    def plural(self, message_id: str, count: int, **values: object) -> str:
        return self.ngettext(message_id, message_id, count) % {"num": count, **values}

    def date(self, value: date | datetime | str | None) -> str:
        """A day as this language writes it: 31 januari 2027, 31 January 2027 (nothing for
        no day)."""
        if not value:
            return ""
        if isinstance(value, str):
            value = date.fromisoformat(value[:10])
        if isinstance(value, datetime):
            value = value.date()
        return _written(value, self.language)

    def _find(self, message_id: str) -> str | tuple[str, ...]:
        try:
            return self.messages[message_id]
        except KeyError:
            raise MissingMessage(
                f"no message {message_id!r} in the {self.language} catalogue"
            ) from None


@functools.lru_cache(maxsize=4096)
def _written(day: date, language: str) -> str:
    """Babel is slow at formatting a date, and a letter's days (deadlines, answer-by days)
    repeat."""
    return format_date(day, "d MMMM y", locale=LOCALES.get(language, language))


def load_catalogue(locales: Path, domain: str, language: str) -> Catalogue:
    path = locales / language / "LC_MESSAGES" / f"{domain}.po"
    with path.open("rb") as file:
        catalog = read_po(file, locale=language)
    messages: dict[str, str | tuple[str, ...]] = {}
    for message in catalog:
        if not message.id:
            continue  # the header
        key = message.id[0] if isinstance(message.id, tuple | list) else message.id
        text = tuple(message.string) if isinstance(message.string, tuple | list) else message.string
        if not text or (isinstance(text, tuple) and not all(text)):
            continue  # untranslated: as good as missing
        messages[key] = text
    return Catalogue(language, messages, gettext_module.c2py(catalog.plural_expr))


def load_catalogues(locales: Path, domain: str, languages: tuple[str, ...]) -> dict[str, Catalogue]:
    return {language: load_catalogue(locales, domain, language) for language in languages}


def install(environment: Environment, catalogue: Catalogue) -> None:
    """The catalogue's words for every template of `environment` (one environment a language):
    `jinja2.ext.i18n` with its new-style calls (`{% trans %}` too), through callables that look
    the message up and format it in one step. The extension's own wrappers call into the
    template context twice a message and cost a letter more than the rest of its writing."""
    environment.add_extension("jinja2.ext.i18n")
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        catalogue.gettext, catalogue.ngettext, newstyle=True
    )

    @pass_eval_context
    def gettext(eval_ctx: EvalContext, message_id: str, /, **values: Any) -> str:
        text = catalogue.gettext(message_id)
        return (Markup(text) if eval_ctx.autoescape else text) % values

    @pass_eval_context
    def ngettext(
        eval_ctx: EvalContext, singular: str, plural: str, count: int, /, **values: Any
    ) -> str:
        text = catalogue.ngettext(singular, plural, count)
        values.setdefault("num", count)
        return (Markup(text) if eval_ctx.autoescape else text) % values

    environment.globals.update(_=gettext, gettext=gettext, ngettext=ngettext)
    environment.filters["date"] = catalogue.date
