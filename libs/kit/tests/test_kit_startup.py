"""Start-up never gets stuck: what can heal is waited out, what cannot ends the process."""

import time
from pathlib import Path

import httpx
import pytest
from myndnet_kit import membership as membership_module
from myndnet_kit.membership import MembershipFollower
from myndnet_testing import ServiceProcess, TestNetwork, free_port, running, wait_until
from sample_service import SampleSettings, build

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent


async def test_a_service_started_before_its_membership_topic_is_listed_becomes_ready(
    kafka_bootstrap, database_url, unique, monkeypatch
):
    """The broker's first answers about a just-created topic list no partitions (what stopped
    vacancies on a fresh broker with 'No partitions are currently assigned'): the follower waits
    and the service becomes ready by itself, then applies what membership publishes."""
    network = TestNetwork(kafka_bootstrap, unique)
    real_topic_partitions = membership_module.topic_partitions
    answers: list[list[int]] = []

    async def empty_at_first(kafka, topic):
        partitions = [] if len(answers) < 3 else await real_topic_partitions(kafka, topic)
        answers.append(partitions)
        return partitions

    monkeypatch.setattr(membership_module, "topic_partitions", empty_at_first)
    settings = SampleSettings(  # type: ignore[call-arg]
        SAMPLE_DATABASE_URL=database_url,
        SAMPLE_TOPIC=f"sample.{unique}",
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
        MEMBERSHIP_TOPIC=network.membership_topic,  # not created yet: the follower makes it
    )
    app = build(settings)
    follower = MembershipFollower.from_settings(settings)
    app.membership = follower

    async with running(app, timeout=60):
        assert answers[:3] == [[], [], []]
        assert answers[-1] == [0, 1, 2]
        assert follower.caught_up
        assert (await app.readiness())["ready"]
        await network.register("csn", create_topics=False)
        assert await follower.wait_until_current(10)
        assert follower.participates(network.code("csn"))


async def test_a_membership_change_whose_saving_fails_is_read_again_not_skipped(
    kafka_bootstrap, database_url, unique
):
    """The database fails while the follower saves what it read: those records are read again
    on the next attempt, so the agency is known after all (they were lost once the consumer's
    position had moved past them)."""
    network = TestNetwork(kafka_bootstrap, unique)
    failures: list[str] = []

    async def fails_once(conn, old, new) -> None:
        if not failures:
            failures.append(new.code)
            raise OSError("the database went away while saving")

    settings = SampleSettings(  # type: ignore[call-arg]
        SAMPLE_DATABASE_URL=database_url,
        SAMPLE_TOPIC=f"sample.{unique}",
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
        MEMBERSHIP_TOPIC=network.membership_topic,
    )
    app = build(settings)
    follower = MembershipFollower.from_settings(settings, on_change=fails_once)
    app.membership = follower

    async with running(app, timeout=60):
        await network.register("csn", create_topics=False)

        async def known() -> bool:
            return follower.participates(network.code("csn"))

        await wait_until(known, timeout=20, what="the agency, after the failed save")
        assert failures == [network.code("csn")]


def test_a_start_up_that_cannot_heal_ends_the_process_with_one_line_saying_why(
    kafka_bootstrap, tmp_path, unique
):
    """A database that does not exist will not appear by waiting: exit code 1, not a process
    that sits alive and never ready."""
    port = free_port()
    log = tmp_path / "sample.log"
    service = ServiceProcess(
        HERE / "sample_service.py",
        {
            "SAMPLE_DATABASE_URL": f"postgresql://myndnet:myndnet@127.0.0.1:5432/none_{unique}",
            "SAMPLE_TOPIC": f"sample.{unique}",
            "SAMPLE_PORT": str(port),
            "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        },
        log,
    )
    started = time.monotonic()
    service.start()
    try:
        assert service.process is not None
        code = service.process.wait(60)
    finally:
        service.terminate()
    assert code == 1
    assert time.monotonic() - started < 60
    last = log.read_text().strip().splitlines()[-1]
    assert last.startswith("myndnet-sample: start-up failed:"), last
    assert f"none_{unique}" in last and "does not exist" in last


def test_a_service_waits_for_a_database_that_is_not_up_yet_and_says_so(
    kafka_bootstrap, database_url, tmp_path, unique
):
    """Nothing listens on the database port at first: the process stays alive, logs what it
    waits for, and is ready once the port answers (a proxy to PostgreSQL that starts late)."""
    import socket
    import threading

    proxy_port = free_port()
    target = ("127.0.0.1", 5432)
    stop = threading.Event()

    def serve() -> None:
        with socket.socket() as listener:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", proxy_port))
            listener.listen()
            listener.settimeout(0.2)
            while not stop.is_set():
                try:
                    client, _ = listener.accept()
                except TimeoutError:
                    continue
                upstream = socket.create_connection(target)
                for a, b in ((client, upstream), (upstream, client)):
                    threading.Thread(target=_pipe, args=(a, b), daemon=True).start()

    url = database_url.replace(":5432/", f":{proxy_port}/")
    port = free_port()
    log = tmp_path / "sample.log"
    service = ServiceProcess(
        HERE / "sample_service.py",
        {
            "SAMPLE_DATABASE_URL": url,
            "SAMPLE_TOPIC": f"sample.{unique}",
            "SAMPLE_PORT": str(port),
            "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        },
        log,
    )
    service.start()
    thread = threading.Thread(target=serve, daemon=True)
    try:
        # The service's start-up (imports, then the first try) can take seconds on a busy
        # machine; what matters is that it says why it waits and stays up.
        said = time.monotonic() + 30
        while "waiting for PostgreSQL" not in log.read_text() and time.monotonic() < said:
            time.sleep(0.2)
        assert service.alive
        assert "waiting for PostgreSQL" in log.read_text()
        thread.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        else:
            pytest.fail("the service did not become ready:\n" + log.read_text()[-2000:])
        assert service.alive
    finally:
        service.terminate()
        stop.set()


def _pipe(source, sink) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            try:
                sock.close()
            except OSError:
                pass


def test_a_service_given_a_default_operator_token_does_not_start_and_says_why(tmp_path, unique):
    log = tmp_path / "sample.log"
    service = ServiceProcess(
        HERE / "sample_service.py",
        {
            "SAMPLE_DATABASE_URL": "postgresql://myndnet:myndnet@127.0.0.1:5432/postgres",
            "SAMPLE_TOPIC": f"sample.{unique}",
            "SAMPLE_PORT": str(free_port()),
            "OPERATOR_TOKENS": "change-me-local-operator-token=*",
        },
        log,
    )
    service.start()
    assert service.process is not None
    assert service.process.wait(30) == 2
    last = log.read_text().strip().splitlines()[-1]
    assert last.startswith("myndnet-sample: the configuration cannot be used:"), last
    assert "published default" in last and "change-me" not in last
