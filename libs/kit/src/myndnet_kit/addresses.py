"""Candidates' e-mail addresses as the services take them (notify's saved searches, outreach's
registrations): one our mail can reach."""

from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, Field


def deliverable_address(value: str) -> str:
    """An address our mail can reach, as it is sent: an internationalised domain in its ASCII
    form (xn--); a non-ASCII local part is refused, since SMTP without SMTPUTF8 cannot carry it
    (and one such address stopped every e-mail)."""
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"not an e-mail address: {exc}") from None
    if checked.ascii_email is None:
        raise ValueError(
            "the part before @ has characters other than a-z, digits and . _ + -, which our "
            "mail cannot carry; please use another address"
        )
    return checked.ascii_email


CandidateEmail = Annotated[str, Field(max_length=254), AfterValidator(deliverable_address)]
