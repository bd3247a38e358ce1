"""The in-memory index of saved searches answers exactly what checking every search would,
through any sequence of searches filed, changed and removed (plain Python, Hypothesis)."""

from hypothesis import given, settings
from hypothesis import strategies as st
from myndnet_notify.domain.matching import IndexedSearch, SearchIndex
from myndnet_notify.domain.subscriptions import Preferences, subscription_keys, vacancy_keys

AGENCIES = ["csn", "skv", "tull"]
FIELDS = ["it", "juridik"]
PLACES = ["sundsvall", "härnösand"]
TYPES = ["permanent", "fixed_term"]
GROUPS = ["students", "graduates", "experienced", "managers"]
STEMS = ["utveckl", "jurist", "handläg", "system"]

preferences = st.builds(
    lambda frequency, *lists: Preferences("sv", frequency, *map(tuple, lists)),
    st.sampled_from(["immediate", "daily", "weekly"]),
    st.lists(st.sampled_from(AGENCIES), max_size=2, unique=True),
    st.lists(st.sampled_from(FIELDS), max_size=2, unique=True),
    st.lists(st.sampled_from(PLACES), max_size=1),
    st.lists(st.sampled_from(TYPES), max_size=1),
    st.lists(st.sampled_from(GROUPS), max_size=2, unique=True),
)
keywords = st.lists(st.sampled_from(STEMS), max_size=2, unique=True)
vacancies = st.tuples(
    st.sampled_from(AGENCIES),
    st.sampled_from(FIELDS),
    st.sampled_from(PLACES),
    st.sampled_from(TYPES),
    st.lists(st.sampled_from(GROUPS), max_size=2, unique=True),
    st.frozensets(st.sampled_from(STEMS)),
)
steps = st.lists(
    st.tuples(st.integers(0, 15), st.one_of(st.none(), st.tuples(preferences, keywords))),
    max_size=60,
)


def indexed(search_id: str, wish: Preferences, words: list[str]) -> IndexedSearch:
    return IndexedSearch(
        search_id, wish.frequency, tuple(subscription_keys(wish)), tuple(words) or ("*",)
    )


def satisfies(wish: Preferences, words: list[str], vacancy: tuple) -> bool:
    """The rule itself, from the preferences as the person gave them: an empty field is any."""
    agency, field, place, kind, groups, stems = vacancy

    def allows(chosen: tuple[str, ...], value: str) -> bool:
        return not chosen or value in chosen

    return (
        allows(wish.agencies, agency)
        and allows(wish.occupation_fields, field)
        and allows(wish.municipalities, place)
        and allows(wish.employment_types, kind)
        and (not wish.target_groups or not groups or bool(set(wish.target_groups) & set(groups)))
        and (not words or bool(set(words) & stems))
    )


@settings(max_examples=300, deadline=None)
@given(steps, st.lists(vacancies, min_size=1, max_size=5))
def test_the_index_answers_as_checking_every_saved_search_would(history, probes):
    index, kept = SearchIndex(), {}
    for number, change in history:
        search_id = f"s-{number}"
        if change is None:
            index.remove(search_id)
            kept.pop(search_id, None)
        else:
            kept[search_id] = change
            index.put(indexed(search_id, *change))
        assert len(index) == len(kept)
    for vacancy in probes:
        keys = vacancy_keys(*vacancy[:5])
        found = index.matches(keys, vacancy[5])
        expected = {s for s, (wish, words) in kept.items() if satisfies(wish, words, vacancy)}
        if not index.words_matter(keys):  # then the text, left unstemmed, changes nothing
            assert index.matches(keys, ()) == found
            assert not any(kept[s][1] for s in expected)
        assert set(found.immediate) | set(found.later) == expected
        assert len(found.immediate) + len(found.later) == len(expected)  # each search once
        assert set(found.immediate) == {s for s in expected if kept[s][0].frequency == "immediate"}


def test_a_removed_search_leaves_nothing_behind_and_its_number_is_used_again():
    index = SearchIndex()
    wish = Preferences("sv", "immediate", agencies=("csn",))
    index.put(indexed("s-1", wish, ["jurist"]))
    index.remove("s-1")
    assert index._files == {} and "s-1" not in index
    index.put(indexed("s-2", wish, []))
    assert index._number == {"s-2": 0}
    keys = vacancy_keys("csn", "it", "Sundsvall", "permanent", [])
    found = index.matches(keys, {"jurist"})
    assert found.immediate == ["s-2"] and found.later == []
    assert not index.words_matter(keys)
    index.put(indexed("s-3", wish, ["jurist"]))
    assert index.words_matter(keys)
    assert not index.words_matter(vacancy_keys("skv", "it", "Sundsvall", "permanent", []))
