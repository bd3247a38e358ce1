"""What notify publishes on `notify.deliveries`, keyed by delivery id.

A candidate's e-mail address never appears here: a delivery names its subscription by id only.
"""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from myndnet_schemas.events.base import EventData, Int


class DeliveryKind(StrEnum):
    CONFIRMATION = "confirmation"
    VACANCY_ALERT = "vacancy_alert"
    DIGEST = "digest"
    MATCH_PROPOSED = "match_proposed"
    MATCH_ACCEPTED = "match_accepted"
    MATCH_REMINDER = "match_reminder"
    MATCH_DECLINED = "match_declined"
    MATCH_EXPIRED = "match_expired"
    MATCH_ENDED = "match_ended"
    CHECKIN = "checkin"
    TRAINING_REQUESTED = "training_requested"
    TRAINING_CONFIRMED = "training_confirmed"
    TRAINING_WAITLISTED = "training_waitlisted"
    TRAINING_PROMOTED = "training_promoted"
    TRAINING_CANCELLED = "training_cancelled"
    TRAINING_REMINDER = "training_reminder"
    SIGN_IN = "sign_in"
    EVENT_CONFIRM = "event_confirm"
    EVENT_CONFIRMED = "event_confirmed"
    EVENT_WAITLISTED = "event_waitlisted"
    EVENT_PROMOTED = "event_promoted"
    EVENT_REMINDER = "event_reminder"
    EVENT_CANCELLED = "event_cancelled"
    CAMPAIGN = "campaign"
    EXCHANGE_PICK = "exchange_pick"
    EXCHANGE_APPROVE = "exchange_approve"
    EXCHANGE_CONFIRM = "exchange_confirm"
    EXCHANGE_REMINDER = "exchange_reminder"
    EXCHANGE_DECLINED = "exchange_declined"
    EXCHANGE_AGREED = "exchange_agreed"
    EXCHANGE_CLOSED = "exchange_closed"
    STAFF_VACANCY_ALERT = "staff_vacancy_alert"


class FailureReason(StrEnum):
    """Why a delivery failed for good. `hard_bounce`: the mail server refused the address
    permanently, and nothing more is sent to it until it subscribes and confirms again."""

    HARD_BOUNCE = "hard_bounce"
    GAVE_UP = "gave_up"
    CANNOT_SEND = "cannot_send"


class DeliveryFields(EventData):
    delivery_id: Annotated[str, Field(min_length=1, max_length=64)]
    kind: DeliveryKind
    subscription_id: str | None = None
    # Whom it was for, as an opaque reference (a subscription or a person), never an address.
    recipient_ref: str | None = None
    match_id: str | None = None
    vacancies: list[str] = Field(default_factory=list)
    attempts: Int = Field(ge=1)
    at: datetime

    def subject(self) -> str:
        return self.delivery_id


class NotificationSent(DeliveryFields):
    event_type = "se.myndnet.notification.sent.v1"


class NotificationFailed(DeliveryFields):
    event_type = "se.myndnet.notification.failed.v1"

    error: Annotated[str, Field(max_length=500)]
    reason: FailureReason | None = None


NOTIFY_EVENTS: tuple[type[EventData], ...] = (NotificationSent, NotificationFailed)
