"""Every mail of a training registration, in both languages, renders with and without its
links, and the links are the person's own: confirm until the deadline, cancel until the day."""

from datetime import date

import pytest
from myndnet_kit.links import TRAINING_CANCEL, TRAINING_CONFIRM, InvalidLink, read_link
from myndnet_notify.adapters.mail import Templates
from myndnet_notify.domain.letters import TRAINING_LETTERS as TRAINING_KINDS
from myndnet_notify.domain.letters import work_links

CONTEXT = {
    "registration_id": "r-1",
    "language": "sv",
    "recipient": {"name": "Anna Åkesson"},
    "agency_name": "CSN",
    "session": {
        "course_title": "Ledarskap i staten",
        "place": "Mittuniversitetet, Sundsvall",
        "online": True,
    },
    "host_name": "Skatteverket",
    "starts": "2027-02-10 09:00",
    "ends": "2027-02-10 16:00",
    "session_day": "2027-02-10",
    "confirm_by": "2027-01-27",
    "place": 2,
    "because": "seat_freed",
}


@pytest.mark.parametrize("kind", sorted(TRAINING_KINDS.values()))
@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("because", ["person", "session_cancelled", "agency_left", "deadline"])
def test_every_training_letter_renders_with_and_without_links(kind, language, because):
    templates = Templates()
    links = {
        "confirm_url": "https://myndnet.se/utbildningar/bekrafta?token=a.b",
        "cancel_url": "https://myndnet.se/utbildningar/avboka?token=c.d",
    }
    context = {**CONTEXT, "because": because}
    subject, text, html = templates.render(kind, language, {**context, **links})
    assert "Ledarskap i staten" in subject and "Anna Åkesson" in text
    assert "2027-02-10 09:00–16:00" in text and "Mittuniversitetet" in text
    assert html.startswith("<!doctype html>") and f'lang="{language}"' in html
    if kind == "training_requested":
        day = "27 januari 2027" if language == "sv" else "27 January 2027"  # the catalogue's
        assert links["confirm_url"] in text and day in text
    if kind in ("training_confirmed", "training_waitlisted", "training_promoted"):
        assert links["cancel_url"] in text and 'href="https://myndnet.se/utbildningar' in html
    if kind == "training_waitlisted":
        assert (" 2 " if language == "sv" else "number 2") in text
    _, plain, _ = templates.render(kind, language, context)
    assert "token=" not in plain and "{{" not in plain


def test_the_links_are_the_person_s_own_and_expire_when_they_no_longer_help():
    links = work_links("training_requested", CONTEXT, "https://site/en", "key")
    assert links["confirm_url"].startswith("https://site/en/utbildningar/bekrafta?token=")
    confirm = links["confirm_url"].split("token=")[1]
    cancel = links["cancel_url"].split("token=")[1]
    assert read_link("key", confirm, TRAINING_CONFIRM, date(2027, 1, 27)).fields == ("r-1",)
    with pytest.raises(InvalidLink, match="expired"):
        read_link("key", confirm, TRAINING_CONFIRM, date(2027, 1, 28))
    with pytest.raises(InvalidLink, match="something else"):
        read_link("key", confirm, TRAINING_CANCEL, date(2027, 1, 1))
    assert read_link("key", cancel, TRAINING_CANCEL, date(2027, 2, 10)).fields == ("r-1",)
    assert "confirm_url" not in work_links("training_confirmed", CONTEXT, "s", "key")
    assert work_links("training_cancelled", CONTEXT, "s", "key") == {}
    assert work_links("training_requested", CONTEXT, "s", "") == {}
