"""Which saved searches a vacancy satisfies, answered from an index in memory.

A saved search is filed under every combination of its filter values (`subscription_keys`),
and within each under its keywords' stems ('*' when it has none). A vacancy looks up its own
combinations (at most 80, `vacancy_keys`), takes the searches filed there without keywords and
those under the stems its text holds, and the union is the answer. Searches are numbered and
each file is a compressed bitmap of numbers, so the union costs little more as the searches
grow: its work is in C, over the bitmaps' containers, not per search in Python. Plain Python
and pyroaring: nothing here reads the database."""

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from pyroaring import BitMap

from myndnet_notify.domain.subscriptions import ANY


@dataclass(frozen=True)
class IndexedSearch:
    """What matching needs of a confirmed saved search."""

    id: str
    frequency: str
    keys: tuple[str, ...]
    keywords: tuple[str, ...]  # Swedish stems; ('*',) for any text


@dataclass(frozen=True)
class Matches:
    immediate: list[str]  # alerted at once
    later: list[str]  # gathered for a daily or weekly digest


class SearchIndex:
    def __init__(self, searches: Iterable[IndexedSearch] = ()) -> None:
        self._number: dict[str, int] = {}
        self._searches: list[IndexedSearch | None] = []
        # The ids again, each a string of its own made as it is filed: searches filed one after
        # another lie one after another in memory, so naming a few thousand reads memory in
        # order, much faster than reaching each through its record.
        self._ids: list[str] = []
        self._free: list[int] = []
        self._files: dict[str, dict[str, BitMap]] = {}
        self._immediate = BitMap()
        for search in searches:
            self.put(search)

    def __len__(self) -> int:
        return len(self._number)

    def __contains__(self, search_id: object) -> bool:
        return search_id in self._number

    def put(self, search: IndexedSearch) -> None:
        """File a search, or file it anew after its filters or frequency changed."""
        self.remove(search.id)
        number = self._free.pop() if self._free else len(self._searches)
        own_id = search.id.encode().decode()
        if number == len(self._searches):
            self._searches.append(search)
            self._ids.append(own_id)
        else:
            self._searches[number] = search
            self._ids[number] = own_id
        self._number[search.id] = number
        for key in search.keys:
            by_word = self._files.setdefault(key, {})
            for word in search.keywords:
                by_word.setdefault(word, BitMap()).add(number)
        if search.frequency == "immediate":
            self._immediate.add(number)

    def remove(self, search_id: str) -> None:
        """A search no vacancy finds any more (paused, stopped, erased); nothing if unknown."""
        number = self._number.pop(search_id, None)
        if number is None:
            return
        search = self._searches[number]
        assert search is not None
        for key in search.keys:
            by_word = self._files[key]
            for word in search.keywords:
                by_word[word].discard(number)
                if not by_word[word]:
                    del by_word[word]
            if not by_word:
                del self._files[key]
        self._immediate.discard(number)
        self._searches[number] = None
        self._free.append(number)

    def words_matter(self, keys: Iterable[str]) -> bool:
        """Whether a search filed under any of `keys` has keywords: only then does the answer
        depend on the vacancy's text."""
        files = self._files
        return any(len(files.get(key, ())) > (ANY in files.get(key, ())) for key in keys)

    def matching(self, keys: Iterable[str], stems: Collection[str]) -> BitMap:
        """The numbers of the searches filed under any of `keys` whose keywords the vacancy's
        text holds (`stems`: its words as the Swedish stemmer leaves them)."""
        files = []
        for key in keys:
            by_word = self._files.get(key)
            if by_word is None:
                continue
            if len(by_word) <= len(stems):
                files += [found for word, found in by_word.items() if word == ANY or word in stems]
            else:
                files += [by_word[w] for w in (ANY, *stems) if w in by_word]
        return BitMap.union(*files) if files else BitMap()

    def named(self, numbers: BitMap) -> Matches:
        """The searches behind `numbers`, by frequency."""
        ids = self._ids
        return Matches(
            [ids[n] for n in numbers & self._immediate],
            [ids[n] for n in numbers - self._immediate],
        )

    def matches(self, keys: Iterable[str], stems: Collection[str]) -> Matches:
        return self.named(self.matching(keys, stems))
