"""What happens to the events of a `POST /events`, once read: check each as a consumer of the
key's agency's topics would, publish the valid ones and wait for the broker, answer for each."""

from collections.abc import Sequence
from typing import Any

from myndnet_schemas.publisher import TopicMissing, topic_for
from prometheus_client import Counter

from myndnet_ingest.adapters.hr_topics import HrTopics
from myndnet_ingest.domain.events import Accepted, Rejected, answer, check
from myndnet_ingest.domain.keys import KeyHolder

TAKEN = Counter("myndnet_ingest_events_total", "Events posted to ingest", ["outcome"])


class PublishFailed(Exception):
    """The broker did not take the valid events; nothing was answered as accepted."""


async def take_events(
    hr_topics: HrTopics,
    holder: KeyHolder,
    reads: Sequence[Accepted | Rejected],
) -> dict[str, Any]:
    """`reads`: the request's events as `read_request` read them (each read once)."""
    results = [check(r, holder.agency) for r in reads]
    valid = [r.event for r in results if isinstance(r, Accepted)]
    if valid:
        try:
            await hr_topics.publish(holder.agency, valid)
        except TopicMissing as exc:
            raise PublishFailed(str(exc)) from exc
        except Exception as exc:
            raise PublishFailed(f"the broker did not acknowledge the events ({exc!r})") from exc
    topics = [
        topic_for(holder.agency, r.event.data) if isinstance(r, Accepted) else None for r in results
    ]
    for r in results:
        TAKEN.labels("accepted" if isinstance(r, Accepted) else "rejected").inc()
    return answer(results, topics)
