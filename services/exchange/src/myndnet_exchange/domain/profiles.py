"""Skills profiles: what a member of staff says of themselves for coordinators to find. Kept
while it is used (saved or looked at by its owner) and erased after 24 months without."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from myndnet_schemas.vocabulary import OpenTo

UNUSED_FOR = timedelta(days=730)


@dataclass(frozen=True)
class Profile:
    email: str
    agency: str
    skills: tuple[str, ...]
    languages: tuple[str, ...]
    open_to: tuple[OpenTo, ...]
    summary: str
    updated_at: datetime
    used_at: datetime


def normal_skill(skill: str) -> str:
    """Skills compare without case or surrounding space, as mentoring's areas do."""
    return " ".join(skill.split()).casefold()
