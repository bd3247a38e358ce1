"""The base of every event payload: its CloudEvents type, subject and Kafka key."""

import re
from datetime import date, datetime
from typing import Annotated, ClassVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict

from myndnet_schemas.text import multiline, one_line, safe_https_url
from myndnet_schemas.vocabulary import ISO_639_1

TYPE_PREFIX = "se.myndnet."


class EventData(BaseModel):
    """A payload. Subclasses name their CloudEvents `type` (major version included).

    Numbers, booleans and dates are strict (no "3" for 3, no 1 for true, dates as YYYY-MM-DD)
    and unknown fields are ignored, so a newer minor version of a payload (new optional fields)
    is still readable by an older consumer.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_type: ClassVar[str]

    def subject(self) -> str:
        raise NotImplementedError

    def kafka_key(self) -> str:
        return self.subject()


def _check_language(code: str) -> str:
    if code not in ISO_639_1:
        raise ValueError(f"{code!r} is not an ISO 639-1 language code (such as 'sv' or 'en')")
    return code


def _unique(items: list) -> list:
    if len(set(items)) != len(items):
        raise ValueError("must not list the same value twice")
    return items


_EMAIL_RE = re.compile(
    "[^@\\s\x00-\x1f\x7f-\x9f\ud800-\udfff]{1,64}@[A-Za-z0-9.-]{1,253}\\.[A-Za-z]{2,}"
)


def _check_work_email(address: str) -> str:
    if not _EMAIL_RE.fullmatch(address):
        raise ValueError("must be an e-mail address such as anna.andersson@myndighet.se")
    return address


EntityId = Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
Language = Annotated[str, AfterValidator(_check_language)]
Languages = Annotated[list[Language], AfterValidator(_unique)]
HttpsUrl = Annotated[str, Field(max_length=2000), AfterValidator(safe_https_url)]
WorkEmail = Annotated[str, Field(max_length=254), AfterValidator(_check_work_email)]
FourDigits = Annotated[str, Field(pattern=r"^[0-9]{4}$")]
ShortText = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(one_line)]
Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(one_line)]
CompetenceArea = Annotated[str, Field(min_length=1, max_length=60), AfterValidator(one_line)]
Municipality = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(one_line)]
Description = Annotated[str, Field(max_length=20_000), AfterValidator(multiline)]


def _iso_date(value: object) -> object:
    if isinstance(value, datetime):
        raise ValueError("must be a date written YYYY-MM-DD, not a timestamp")
    if isinstance(value, date) or (isinstance(value, str) and _DATE_RE.match(value)):
        return value
    raise ValueError("must be a date written YYYY-MM-DD")


_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
Date = Annotated[date, BeforeValidator(_iso_date)]
Int = Annotated[int, Strict()]
Bool = Annotated[bool, Strict()]
