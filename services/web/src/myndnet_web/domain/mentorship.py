"""A mentorship check-in as its form gives it, checked field by field. Plain Python."""

from dataclasses import dataclass, field
from typing import Any


@dataclass
class CheckinForm:
    met: str = ""
    meetings: str = ""
    satisfaction: str = ""
    comment: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, form: dict[str, str]) -> "CheckinForm":
        answer = cls(
            met=form.get("met", ""),
            meetings=form.get("meetings", "").strip()[:10],
            satisfaction=form.get("satisfaction", ""),
            comment=form.get("comment", "").strip()[:2000],
        )
        if answer.met not in ("yes", "no"):
            answer.errors["met"] = "checkin_met_missing"
        if answer.met == "no":
            answer.meetings = answer.meetings or "0"
        if not answer.meetings.isdigit() or int(answer.meetings) > 500:
            answer.errors["meetings"] = "checkin_meetings_invalid"
        elif answer.met == "no" and int(answer.meetings):
            answer.errors["meetings"] = "checkin_meetings_without_meeting"
        if answer.satisfaction not in ("1", "2", "3", "4", "5"):
            answer.errors["satisfaction"] = "checkin_satisfaction_missing"
        return answer

    def body(self, token: str) -> dict[str, Any]:
        """mentoring's `POST /links/checkin/answer`."""
        return {
            "token": token,
            "met": self.met == "yes",
            "meetings": int(self.meetings),
            "satisfaction": int(self.satisfaction),
            "comment": self.comment or None,
        }
