"""The bounce mailbox read by the running notify service: a delivery status notification
dropped into a Maildir, and the same kind appended to a real IMAP mailbox (Debian's dovecot,
dev/imap.sh), suppress their addresses; a message that is no report is kept where a person
sees it, logged, and the reports after it are still read."""

import re
from pathlib import Path

import pytest
from myndnet_notify.main import build
from myndnet_testing import running, wait_until
from myndnet_testing.mail import delivery_report
from test_notify_service import TOKEN, Setup, _mail_for, client, subscribe

pytestmark = pytest.mark.integration
OPERATOR = {"Authorization": f"Bearer {TOKEN}"}
NOT_A_REPORT = b"From: kandidat@example.org\r\nSubject: Re: Nytt jobb\r\n\r\nTack!\r\n"


def drop(maildir: Path, name: str, raw: bytes) -> None:
    """As a mail server delivers into a Maildir: written in tmp/, then moved into new/."""
    (maildir / "tmp").mkdir(parents=True, exist_ok=True)
    (maildir / "new").mkdir(parents=True, exist_ok=True)
    (maildir / "tmp" / name).write_bytes(raw)
    (maildir / "tmp" / name).rename(maildir / "new" / name)


async def test_reports_in_a_maildir_and_an_imap_mailbox_suppress_and_garbage_is_kept(
    kafka_bootstrap, database_url, unique, sink, imap_mailbox, tmp_path, capsys
):
    s = Setup(kafka_bootstrap, database_url, unique, sink)
    await s.net.register("a")
    maildir = tmp_path / "bounces"
    settings = s.settings().model_copy(
        update={
            "bounce_maildir": str(maildir),
            "bounce_imap_url": type(s.settings().bounce_imap_url)(imap_mailbox.url),
            "bounce_poll_seconds": 0.5,
        }
    )
    by_file, by_imap, kept = "fil@example.org", "imap@example.org", "kvar@example.org"
    async with running(build(settings)) as app, client(app) as http:
        for address in (by_file, by_imap, kept):
            await subscribe(http, sink, address)
        await s.opened("a", "B1")
        for address in (by_file, by_imap, kept):

            async def alerted(address: str = address) -> bool:
                return await _mail_for(sink, address, 2)

            await wait_until(alerted, what=f"the alert to {address}")
        message_id = {a: sink.to(a)[1]["Message-ID"] for a in (by_file, by_imap, kept)}

        # Something that is no report first: it is kept, and the report after it is read.
        drop(maildir, "1700000000.1.relay", NOT_A_REPORT)
        drop(maildir, "1700000001.2.relay", delivery_report(message_id[by_file], by_file))
        imap = await imap_mailbox.client()
        try:
            await imap.append(NOT_A_REPORT, mailbox=imap_mailbox.folder)
            await imap.append(
                delivery_report(message_id[by_imap], by_imap, headers_only=True),
                mailbox=imap_mailbox.folder,
            )
            # A policy refusal (refused as spam): read and put aside, nobody suppressed.
            policy = delivery_report(message_id[kept], kept, status="5.7.1")
            await imap.append(policy, mailbox=imap_mailbox.folder)

            async def suppressed() -> bool:
                listed = (await http.get("/suppressions", headers=OPERATOR)).json()
                return {x["email"] for x in listed} == {by_file, by_imap}

            await wait_until(suppressed, timeout=60, what="both addresses suppressed")

            async def put_aside() -> bool:
                return not list((maildir / "new").iterdir())

            await wait_until(put_aside, what="the Maildir's new mail read")
            assert [p.name for p in (maildir / ".Handled" / "cur").iterdir()] == [
                "1700000001.2.relay:2,S"
            ]
            assert [p.name for p in (maildir / "cur").iterdir()] == ["1700000000.1.relay:2,"]

            async def imap_read() -> bool:
                await imap.select(imap_mailbox.folder)
                left = await imap.uid_search("ALL")
                return len(left.lines[0].split()) == 1

            await wait_until(imap_read, what="the IMAP reports moved to Handled")
            await imap.select(imap_mailbox.folder)
            left = await imap.uid_search("UNSEEN KEYWORD MyndnetKept")
            assert len(left.lines[0].split()) == 1  # the garbage: still unread, for a person
        finally:
            await imap.logout()
        listed = (await http.get("/suppressions", headers=OPERATOR)).json()
        assert kept not in {x["email"] for x in listed}
        metrics = (await http.get("/metrics")).text
        kept_count = re.search(
            r'myndnet_notify_bounce_messages_total\{outcome="kept"\} (\S+)', metrics
        )
        assert kept_count is not None and float(kept_count.group(1)) >= 2
    logged = capsys.readouterr().out
    assert logged.count("kept for a person to read") >= 2
    assert by_file not in logged and by_imap not in logged  # no address in the log lines
