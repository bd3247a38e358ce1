"""The console's forms for open events and campaigns, without servers: what each field must
hold, and outreach's body."""

from myndnet_web.domain.outreach_forms import CampaignForm, EventForm

EVENT = [
    ("title_sv", "Öppet hus"),
    ("text_sv", "Välkommen.\r\n\r\nFika finns."),
    ("kind", "open_house"),
    ("day", "2027-03-04"),
    ("from_time", "13:00"),
    ("to_time", "15:30"),
    ("place", "Storgatan 1"),
    ("hosts", "csn"),
    ("hosts", "skv"),
    ("hosts", "tull"),  # not this coordinator's
    ("target_groups", "students"),
    ("target_groups", "astronauts"),
    ("seats", "40"),
    ("deadline", "2027-03-01"),
]


def test_an_event_form_gives_outreach_its_plan_in_swedish_time():
    form = EventForm.from_pairs(EVENT, {"csn", "skv"})
    assert form.errors == {}
    body = form.body()
    assert body["hosts"] == ["csn", "skv"] and body["target_groups"] == ["students"]
    assert body["starts_at"] == "2027-03-04T13:00:00+01:00"
    assert body["ends_at"] == "2027-03-04T15:30:00+01:00"
    assert body["text"] == {"sv": "Välkommen.\n\nFika finns.", "en": None}
    assert body["seats"] == 40 and body["registration_deadline"] == "2027-03-01"


def test_an_event_form_says_what_is_wrong_by_field():
    wrong = EventForm.from_pairs(
        [
            ("day", "4/3"),
            ("from_time", "15:00"),
            ("to_time", "14:00"),
            ("online_url", "http://x.se"),
            ("seats", "0"),
            ("deadline", "2027-03-09"),
        ],
        {"csn"},
    )
    assert set(wrong.errors) == {
        "title_sv",
        "text_sv",
        "day",
        "from_time",
        "online_url",
        "hosts",
        "seats",
    }
    late = EventForm.from_pairs([*EVENT[:-1], ("deadline", "2027-03-05")], {"csn"})
    assert late.errors == {"deadline": "console_deadline_after"}
    assert EventForm.from_pairs([*EVENT, ("place", "")], {"csn"}).errors == {
        "place": "console_place_missing"
    }


CAMPAIGN = [
    ("subject_sv", "Karriärdag"),
    ("text_sv", "Kom!"),
    ("link", "https://example.org/k"),
    ("agencies", "csn"),
    ("target_groups", "students"),
    ("occupation_fields", "law"),
    ("municipalities", "Sundsvall, Timrå"),
    ("languages", "sv"),
    ("first_day", "2027-02-15"),
    ("last_day", "2027-02-19"),
    ("from_hour", "9"),
    ("to_hour", "17"),
]


def test_a_campaign_form_gives_outreach_its_audience_texts_and_window():
    form = CampaignForm.from_pairs(CAMPAIGN, {"csn"})
    assert form.errors == {}
    body = form.body()
    assert body["audience"] == {
        "target_groups": ["students"],
        "occupation_fields": ["law"],
        "municipalities": ["Sundsvall", "Timrå"],
        "languages": ["sv"],
    }
    assert body["window"] == {
        "first_day": "2027-02-15",
        "last_day": "2027-02-19",
        "from_hour": 9,
        "to_hour": 17,
        "weekdays_only": False,  # the box was not checked
    }
    checked = CampaignForm.from_pairs([*CAMPAIGN, ("weekdays_only", "yes")], {"csn"})
    assert checked.body()["window"]["weekdays_only"] is True


def test_a_campaign_form_says_what_is_wrong_by_field():
    wrong = CampaignForm.from_pairs(
        [
            ("link", "http://example.org"),
            ("agencies", "tull"),
            ("first_day", "2027-02-19"),
            ("last_day", "2027-02-15"),
            ("from_hour", "17"),
            ("to_hour", "9"),
        ],
        {"csn"},
    )
    assert set(wrong.errors) == {
        "subject_sv",
        "text_sv",
        "link",
        "agencies",
        "last_day",
        "from_hour",
    }
    assert CampaignForm.from_pairs([*CAMPAIGN, ("to_hour", "25")], {"csn"}).errors == {
        "from_hour": "console_hours_invalid"
    }
