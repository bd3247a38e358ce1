"""Open events as the site shows them, and their iCalendar file, without servers."""

from icalendar import Calendar
from myndnet_web.domain.open_events import ics, shown

EVENT = {
    "id": "oe-1",
    "revision": 2,
    "title": {"sv": "Karriärdag", "en": None},
    "text": {"sv": "Träffa oss.\n\nVi bjuder på fika.", "en": "Meet us."},
    "kind": "career_fair",
    "starts_at": "2027-03-04T09:00:00+00:00",
    "ends_at": "2027-03-04T14:00:00+00:00",
    "place": "Mittuniversitetet, Sundsvall",
    "online_url": None,
    "hosts": ["csn", "gone"],
    "target_groups": ["students"],
    "seats": 100,
    "registration_deadline": "2027-03-01",
    "status": "scheduled",
    "cancel_reason": None,
}


def test_an_event_in_the_page_s_language_at_swedish_time_with_its_hosts_by_name():
    english = shown(EVENT, "en", {"csn": "CSN"})
    assert english["shown_title"] == "Karriärdag" and english["title_lang"] == "sv"
    assert english["paragraphs"] == ["Meet us."] and english["text_lang"] is None
    assert (english["day"], english["from_time"], english["to_time"]) == (
        "2027-03-04",
        "10:00",
        "15:00",
    )
    assert english["host_names"] == ["CSN", "gone"] and english["to_day"] is None
    swedish = shown(EVENT, "sv", {})
    assert swedish["paragraphs"] == ["Träffa oss.", "Vi bjuder på fika."]
    assert swedish["title_lang"] is None


def test_the_calendar_file_parses_and_says_when_where_and_whether_it_is_cancelled():
    parsed = Calendar.from_ical(ics(EVENT, "sv", "https://myndnet.se/evenemang/oe-1"))
    [entry] = parsed.walk("VEVENT")
    assert str(entry["uid"]) == "oe-1@myndnet.se" and int(entry["sequence"]) == 2
    assert str(entry["summary"]) == "Karriärdag"
    assert entry.decoded("dtstart").isoformat() == "2027-03-04T09:00:00+00:00"
    assert str(entry["location"]) == "Mittuniversitetet, Sundsvall"
    assert str(entry["status"]) == "CONFIRMED"
    cancelled = Calendar.from_ical(ics({**EVENT, "status": "cancelled"}, "en", "https://x"))
    assert str(next(iter(cancelled.walk("VEVENT")))["status"]) == "CANCELLED"
