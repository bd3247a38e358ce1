"""The letters' templates in one language: the catalogue's words written into each template's
source as it is loaded, so that a letter costs no message lookups when it is rendered.

The templates themselves are written once for every language, with `{{ _("id") }}`,
`{{ _("id", name=expression) }}` and `{{ ngettext("id", "id", count, name=expression) }}`,
which Babel extracts and `jinja2.ext.i18n` would render as they are. Here each such call
becomes the message's text with its placeholders turned into `{{ expression }}` (a plural
into an `{% if %}` over the language's plural forms), HTML-escaped in `.html.j2` templates.
Any other use of `_` or `ngettext`, a message a catalogue lacks, or text that Jinja would
read as its own syntax stops the loading with an error naming the template."""

import re
from collections.abc import Callable

from jinja2 import BaseLoader, Environment, TemplateSyntaxError
from markupsafe import escape
from myndnet_kit.i18n import Catalogue

GETTEXT = re.compile(
    r'\{\{\s*_\("(?P<id>[a-z0-9_.]+)"(?P<values>(?:,\s*[a-z_]+=[^,(){}]+)*)\)\s*\}\}'
)
NGETTEXT = re.compile(
    r'\{\{\s*ngettext\("(?P<id>[a-z0-9_.]+)",\s*"(?P=id)",\s*(?P<count>[^,(){}]+)'
    r"(?P<values>(?:,\s*[a-z_]+=[^,(){}]+)*)\)\s*\}\}"
)
VALUE = re.compile(r",\s*(?P<name>[a-z_]+)=(?P<expression>[^,(){}]+)")
PLACEHOLDER = re.compile(r"%\((?P<name>[a-z_]+)\)s|%%")
LEFT_OVER = re.compile(r"\b(?:_|gettext|ngettext)\(")
JINJA_SYNTAX = re.compile(r"\{[{%#]|[}%#]\}")


class TranslatingLoader(BaseLoader):
    def __init__(self, inner: BaseLoader, catalogue: Catalogue, plural_forms: int = 2) -> None:
        self.inner, self.catalogue, self.plural_forms = inner, catalogue, plural_forms

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        source, filename, uptodate = self.inner.get_source(environment, template)
        return translate(source, self.catalogue, template, self.plural_forms), filename, uptodate

    def list_templates(self) -> list[str]:
        return self.inner.list_templates()


def translate(source: str, catalogue: Catalogue, name: str, plural_forms: int = 2) -> str:
    html = name.endswith(".html.j2")

    def written(text: str, values: str) -> str:
        expressions = {m["name"]: m["expression"].strip() for m in VALUE.finditer(values)}
        if JINJA_SYNTAX.search(text):
            raise TemplateSyntaxError(f"a message reads as Jinja syntax: {text!r}", 1, name)
        plain = str(escape(text)) if html else text

        def value(match: re.Match[str]) -> str:
            if match.group(0) == "%%":
                return "%"
            try:
                return "{{ " + expressions[match["name"]] + " }}"
            except KeyError:
                raise TemplateSyntaxError(
                    f"the message {text!r} wants {match['name']!r}, which the template does not"
                    " give",
                    1,
                    name,
                ) from None

        return PLACEHOLDER.sub(value, plain)

    def one(match: re.Match[str]) -> str:
        return written(catalogue.gettext(match["id"]), match["values"])

    def plural(match: re.Match[str]) -> str:
        count = match["count"].strip()
        values = match["values"] + f", num={count}"
        forms = [
            written(catalogue.ngettext(match["id"], match["id"], n), values)
            for n in _one_of_each_form(catalogue, plural_forms)
        ]
        branches = "".join(
            ("{% if " if i == 0 else "{% elif ") + f"({count})|plural_form == {i} %}}{form}"
            for i, form in enumerate(forms[:-1])
        )
        return f"{branches}{{% else %}}{forms[-1]}{{% endif %}}"

    translated = NGETTEXT.sub(plural, GETTEXT.sub(one, source))
    left = LEFT_OVER.search(translated)
    if left:
        line = translated.count("\n", 0, left.start()) + 1
        raise TemplateSyntaxError("a message call the letters cannot translate", line, name)
    return translated


def _one_of_each_form(catalogue: Catalogue, plural_forms: int) -> list[int]:
    """A count that takes each plural form, in the forms' order."""
    examples: dict[int, int] = {}
    for n in range(0, 1000):
        examples.setdefault(catalogue.plural_index(n), n)
        if len(examples) == plural_forms:
            break
    return [examples[i] for i in sorted(examples)]
