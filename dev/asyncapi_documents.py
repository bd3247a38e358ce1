"""Writes each service's AsyncAPI document (what its /asyncapi.json serves) into a folder, for
the official parser to check in `make lint`. Builds the services without starting them.

    uv run python dev/asyncapi_documents.py OUTDIR
"""

import json
import sys
from pathlib import Path

from myndnet_exchange.main import ExchangeSettings
from myndnet_exchange.main import build as exchange
from myndnet_ingest.main import IngestSettings
from myndnet_ingest.main import build as ingest
from myndnet_membership.main import MembershipSettings
from myndnet_membership.main import build as membership
from myndnet_mentoring.main import MentoringSettings
from myndnet_mentoring.main import build as mentoring
from myndnet_notify.main import NotifySettings
from myndnet_notify.main import build as notify
from myndnet_outreach.main import OutreachSettings
from myndnet_outreach.main import build as outreach
from myndnet_schemas.docs import asyncapi_document
from myndnet_trainings.main import TrainingsSettings
from myndnet_trainings.main import build as trainings
from myndnet_vacancies.main import VacanciesSettings
from myndnet_vacancies.main import build as vacancies
from myndnet_web import main as web

SERVICES = {
    "membership": (MembershipSettings, membership),
    "vacancies": (VacanciesSettings, vacancies),
    "mentoring": (MentoringSettings, mentoring),
    "notify": (NotifySettings, notify),
    "trainings": (TrainingsSettings, trainings),
    "ingest": (IngestSettings, ingest),
    "outreach": (OutreachSettings, outreach),
    "exchange": (ExchangeSettings, exchange),
}


def main() -> None:
    folder = Path(sys.argv[1])
    folder.mkdir(parents=True, exist_ok=True)
    for name, (settings, build) in SERVICES.items():
        document = build(settings(OPERATOR_TOKENS="")).asyncapi_document()
        (folder / f"{name}.json").write_text(json.dumps(document, indent=2, ensure_ascii=False))
    # The site uses no topics: its document has no channels, and must still parse.
    document = asyncapi_document(web.TITLE, web.DESCRIPTION, [])
    (folder / "web.json").write_text(json.dumps(document, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
