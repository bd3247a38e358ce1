"""The site's words come from its gettext catalogues: every id the templates use is in both
languages, the vocabularies' values all have words, plurals follow each language's rule, and a
missing id fails a render instead of reaching a person (no servers)."""

from pathlib import Path

import pytest
from jinja2 import Environment
from myndnet_kit.i18n import MissingMessage, install
from myndnet_schemas.vocabulary import (
    EmploymentType,
    Extent,
    OccupationField,
    RemoteWork,
    TargetGroup,
)
from myndnet_testing.catalogues import ids_used
from myndnet_web.domain.texts import CATALOGUES, LANGUAGES, VOCABULARY

SITE = Path(__file__).parents[1] / "src" / "myndnet_web"


def test_both_catalogues_have_the_same_ids_and_every_one_the_site_uses():
    sv, en = (set(CATALOGUES[language].messages) for language in LANGUAGES)
    assert sv == en
    used = ids_used(SITE / "templates", SITE / "pages.py", SITE / "handlers")
    assert used, "the extraction found no message at all"
    assert used - sv == set()


@pytest.mark.parametrize(
    ("vocabulary", "values"),
    [
        ("occupation_field", OccupationField),
        ("employment_type", EmploymentType),
        ("target_group", TargetGroup),
        ("remote", RemoteWork),
        ("extent", Extent),
    ],
)
def test_every_value_of_the_contract_has_words_in_both_languages(vocabulary, values):
    assert set(VOCABULARY[vocabulary]) == {v.value for v in values}
    for language in LANGUAGES:
        for value in VOCABULARY[vocabulary]:
            assert CATALOGUES[language].gettext(f"{vocabulary}.{value}").strip()


@pytest.mark.parametrize(
    ("language", "one", "two"),
    [("sv", "1 ledigt jobb", "2 lediga jobb"), ("en", "1 vacancy", "2 vacancies")],
)
def test_a_count_is_written_with_the_language_s_plural(language, one, two):
    environment = Environment(autoescape=True)
    install(environment, CATALOGUES[language])
    template = environment.from_string('{{ ngettext("found", "found", n) }}')
    assert (template.render(n=1), template.render(n=2)) == (one, two)


def test_a_missing_id_fails_the_render():
    environment = Environment(autoescape=True)
    install(environment, CATALOGUES["sv"])
    with pytest.raises(MissingMessage, match="no_such_words"):
        environment.from_string('{{ _("no_such_words") }}').render()


def test_dates_are_written_as_each_language_writes_them():
    assert CATALOGUES["sv"].date("2027-01-31") == "31 januari 2027"
    assert CATALOGUES["en"].date("2027-01-31") == "31 January 2027"
