"""A member of staff's sign-in letter, in both languages: its link is signed for sign-in only,
names the request and carries the time it stops working; without a key it says whom to ask."""

from datetime import date

import pytest
from myndnet_kit.links import STAFF_SIGN_IN, TRAINING_CANCEL, InvalidLink, read_link
from myndnet_notify.adapters.mail import Templates
from myndnet_notify.domain.letters import work_links

CONTEXT = {
    "link_id": "Vq3pXk2m9sT1bLrA0cYwZ8dE",
    "language": "sv",
    "expires": "10:15",
    "expires_on": "2026-12-07",
}


@pytest.mark.parametrize(("language", "words"), [("sv", "klockan 10:15"), ("en", "until 10:15")])
def test_the_letter_carries_its_link_and_the_time_it_expires(language, words):
    links = work_links(
        "sign_in", CONTEXT, "https://myndnet.se" + ("/en" if language == "en" else ""), "key"
    )
    subject, text, html = Templates().render("sign_in", language, {**CONTEXT, **links})
    assert "Myndighetsnätverket" in subject
    assert links["sign_in_url"] in text and words in text
    assert 'href="https://myndnet.se' in html and f'lang="{language}"' in html
    _, plain, _ = Templates().render("sign_in", language, CONTEXT)
    assert "token=" not in plain and ("samordnare" in plain or "coordinator" in plain)


def test_the_link_is_for_signing_in_only_and_names_the_request():
    url = work_links("sign_in", CONTEXT, "https://myndnet.se/en", "key")["sign_in_url"]
    assert url.startswith("https://myndnet.se/en/logga-in/lank?token=")
    token = url.split("token=")[1]
    assert read_link("key", token, STAFF_SIGN_IN, date(2026, 12, 7)).fields == (CONTEXT["link_id"],)
    with pytest.raises(InvalidLink, match="something else"):
        read_link("key", token, TRAINING_CANCEL, date(2026, 12, 7))
    with pytest.raises(InvalidLink, match="expired"):
        read_link("key", token, STAFF_SIGN_IN, date(2026, 12, 8))
    assert work_links("sign_in", CONTEXT, "s", "") == {}
