"""The forms of the exchange pages: interest in an assignment and the skills profile. Plain
Python: what was sent, cleaned, and the errors by field (message ids)."""

from dataclasses import dataclass, field
from typing import Any

NOTE_LONGEST = 1000
SUMMARY_LONGEST = 1000
LANGUAGES = ("sv", "en", "fi", "se", "de", "fr")
OPEN_TO = ("loan", "secondment", "new_post")


@dataclass
class InterestForm:
    note: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, form: dict[str, str]) -> "InterestForm":
        asked = cls(note=form.get("note", "").replace("\r\n", "\n").strip())
        if len(asked.note) > NOTE_LONGEST:
            asked.errors["note"] = "interest_note_too_long"
        elif any(not (c.isprintable() or c == "\n") for c in asked.note):
            asked.errors["note"] = "interest_note_invalid"
        return asked


@dataclass
class ProfileForm:
    skills: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=lambda: ["sv"])
    open_to: list[str] = field(default_factory=list)
    summary: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_profile(cls, profile: dict[str, Any] | None) -> "ProfileForm":
        if profile is None:
            return cls()
        return cls(
            list(profile["skills"]),
            list(profile["languages"]),
            list(profile["open_to"]),
            profile.get("summary", ""),
        )

    @classmethod
    def from_form(cls, fields: list[tuple[str, str]], known_skills: list[str]) -> "ProfileForm":
        """`fields` in order, each checkbox once per value ticked."""

        def values(name: str) -> list[str]:
            return list(dict.fromkeys(v for k, v in fields if k == name))

        summary = next((v for k, v in fields if k == "summary"), "")
        asked = cls(
            [s for s in values("skills") if s in known_skills],
            [code for code in values("languages") if code in LANGUAGES] or ["sv"],
            [o for o in values("open_to") if o in OPEN_TO],
            summary.replace("\r\n", "\n").strip(),
        )
        if not asked.skills:
            asked.errors["skills"] = "profile_skills_missing"
        if len(asked.summary) > SUMMARY_LONGEST:
            asked.errors["summary"] = "profile_summary_too_long"
        return asked

    def body(self) -> dict[str, Any]:
        return {
            "skills": self.skills,
            "languages": self.languages,
            "open_to": self.open_to,
            "summary": self.summary,
        }
