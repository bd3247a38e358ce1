"""Finding the saved searches a vacancy satisfies, from this replica's index in memory, brought
up to date from the table before each batch of vacancies (one small read of what changed)."""

import asyncio
import gc
import time
from collections.abc import Sequence

import asyncpg
from myndnet_kit.logging import get_logger

from myndnet_notify.adapters import saved_searches
from myndnet_notify.domain.matching import Matches, SearchIndex

log = get_logger(__name__)
CHANGES_KEPT_HOURS = 24
# An index not brought up to date for this long may have missed notes already forgotten.
REBUILD_AFTER_SECONDS = CHANGES_KEPT_HOURS * 3600 / 2


class SavedSearches:
    def __init__(self) -> None:
        self.index = SearchIndex()
        self._snapshot: str | None = None
        self._updated_at = 0.0

    async def matching_each(
        self, conn: asyncpg.Connection, vacancies: Sequence[tuple[Sequence[str], str]]
    ) -> list[Matches]:
        """For each (keys, text), from the index as it was last brought up to date (once per
        batch of vacancies). Texts are stemmed, in one round trip to PostgreSQL, only when a
        search they could match has keywords."""
        wording = [i for i, (keys, _) in enumerate(vacancies) if self.index.words_matter(keys)]
        stems = await saved_searches.stems_of(conn, [vacancies[i][1] for i in wording])
        stems_of = dict(zip(wording, stems, strict=True))
        return [
            self.index.matches(keys, stems_of.get(i, ())) for i, (keys, _) in enumerate(vacancies)
        ]

    async def bring_up_to_date(self, conn: asyncpg.Connection) -> None:
        if self._snapshot is None or time.monotonic() - self._updated_at > REBUILD_AFTER_SECONDS:
            began = time.perf_counter()
            # Read and indexed in worker threads, and with the cyclic collector paused: at a
            # million searches either would stop the event loop (Kafka's heartbeats, the HTTP
            # API, the sender) for longer than Kafka's session timeout (10 s) and put the
            # consumer out of its group; a full collection over the millions of new objects,
            # in whichever thread made them, holds every thread for seconds.
            gc.disable()
            try:
                self._snapshot, searches = await saved_searches.every_search(conn)
                self.index = await asyncio.to_thread(SearchIndex, searches)
                del searches
            finally:
                # Then out of the collector's reach, as the kit does with what start-up made:
                # a million long-lived searches scanned by every full collection cost
                # milliseconds in whichever vacancy's matching it fell.
                gc.freeze()
                gc.enable()
            log.info(
                "saved searches indexed",
                searches=len(self.index),
                seconds=round(time.perf_counter() - began, 2),
            )
        else:
            self._snapshot, changed, gone = await saved_searches.changed_since(conn, self._snapshot)
            for search in changed:
                self.index.put(search)
            for search_id in gone:
                self.index.remove(search_id)
        self._updated_at = time.monotonic()
