"""docker-compose.yml, as far as a machine without Docker can check it: it parses, and every
service, port and variable matches the services' own settings."""

from pathlib import Path

import yaml
from myndnet_exchange.main import ExchangeSettings
from myndnet_ingest.main import IngestSettings
from myndnet_membership.main import MembershipSettings
from myndnet_mentoring.main import MentoringSettings
from myndnet_notify.main import NotifySettings
from myndnet_outreach.main import OutreachSettings
from myndnet_trainings.main import TrainingsSettings
from myndnet_vacancies.main import VacanciesSettings

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = {
    "membership": MembershipSettings,
    "vacancies": VacanciesSettings,
    "mentoring": MentoringSettings,
    "notify": NotifySettings,
    "trainings": TrainingsSettings,
    "ingest": IngestSettings,
    "outreach": OutreachSettings,
    "exchange": ExchangeSettings,
}
CONTRACT_PORTS = {
    "membership": 8001,
    "vacancies": 8002,
    "mentoring": 8003,
    "notify": 8004,
    "trainings": 8005,
    "ingest": 8006,
    "outreach": 8007,
    "exchange": 8008,
}


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def aliases(settings: type) -> set[str]:
    return {f.alias for f in settings.model_fields.values() if f.alias}


def test_every_service_its_port_and_its_variables_match_the_settings():
    services = compose()["services"]
    assert set(SETTINGS) <= set(services)
    for name, settings in SETTINGS.items():
        service = services[name]
        environment = service["environment"]
        port = CONTRACT_PORTS[name]
        assert settings.model_fields["port"].default == port
        assert environment[f"{name.upper()}_PORT"] == str(port)
        # Published on this machine only: an operator opens them wider on purpose.
        assert service["ports"] == [f"127.0.0.1:{port}:{port}"]
        unknown = set(environment) - aliases(settings) - {"SERVICE"}
        assert not unknown, f"{name}: variables no setting reads: {unknown}"
        assert environment["SERVICE"] == name
        assert environment[f"{name.upper()}_DATABASE_URL"].endswith(f"/myndnet_{name}")
        assert {"kafka", "postgres"} <= set(service["depends_on"])
        assert service["depends_on"]["kafka"]["condition"] == "service_healthy"
        assert "healthcheck" in service


def test_the_public_site_reads_the_services_by_their_compose_names():
    from myndnet_web.main import WebSettings

    web = compose()["services"]["web"]
    environment = web["environment"]
    assert WebSettings.model_fields["port"].default == 8000 and environment["WEB_PORT"] == "8000"
    assert web["ports"] == ["127.0.0.1:8000:8000"]
    assert not set(environment) - aliases(WebSettings) - {"SERVICE"}
    for name in (
        "membership",
        "vacancies",
        "notify",
        "mentoring",
        "trainings",
        "outreach",
        "exchange",
    ):
        assert environment[f"{name.upper()}_URL"] == f"http://{name}:{CONTRACT_PORTS[name]}"
        assert web["depends_on"][name]["condition"] == "service_healthy"


def test_the_infrastructure_is_kafka_in_kraft_mode_postgres_and_mailpit():
    services = compose()["services"]
    kafka = services["kafka"]
    assert kafka["image"].startswith("apache/kafka:4")
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert kafka["environment"]["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["mailpit"]["image"].startswith("axllent/mailpit")
    init = (ROOT / "dev/postgres-init.sql").read_text()
    for name in SETTINGS:
        assert f"CREATE DATABASE myndnet_{name};" in init


def test_the_dockerfile_runs_the_chosen_service():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "uv sync --locked --no-dev" in dockerfile
    assert "python -m myndnet_${SERVICE}" in dockerfile
    for name in SETTINGS:
        assert (ROOT / f"services/{name}/src/myndnet_{name}/__main__.py").exists()


def test_the_operator_must_choose_a_token_there_is_no_default():
    text = (ROOT / "docker-compose.yml").read_text()
    assert "${OPERATOR_TOKENS:?" in text
    assert "change-me" not in text
