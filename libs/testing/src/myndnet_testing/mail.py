"""Mail as a relay sends it back: delivery status notifications (RFC 3464) about a letter,
written as Postfix writes them, for the tests of the bounce mailbox."""

BOUNDARY = "8C3E2A1F.1765065600/relay.example.se"


def delivery_report(
    message_id: str,
    recipient: str,
    status: str = "5.1.1",
    action: str = "failed",
    diagnostic: str = "smtp; 550 5.1.1 <{recipient}>: Recipient address rejected: User unknown",
    headers_only: bool = False,
) -> bytes:
    """A `multipart/report; report-type=delivery-status` about the letter `message_id` sent
    to `recipient`: with the returned message whole, or only its headers."""
    returned_headers = (
        "From: =?utf-8?b?TXluZGlnaGV0c27DpHR2ZXJrZXQ=?= <jobb@myndnet.se>\r\n"
        f"To: {recipient}\r\n"
        "Subject: Nytt jobb\r\n"
        f"Message-ID: {message_id}\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
    )
    if headers_only:
        returned = f"Content-Type: text/rfc822-headers\r\n\r\n{returned_headers}"
    else:
        returned = (
            "Content-Description: Undelivered Message\r\n"
            "Content-Type: message/rfc822\r\n\r\n"
            f"{returned_headers}\r\nEtt nytt jobb.\r\n"
        )
    text = (
        "From: MAILER-DAEMON@relay.example.se (Mail Delivery System)\r\n"
        "To: bounces@myndnet.se\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Date: Mon,  7 Dec 2026 01:00:00 +0100 (CET)\r\n"
        "Message-ID: <20261207000000.8C3E2A1F@relay.example.se>\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{BOUNDARY}"\r\n'
        "\r\n"
        "This is a MIME-encapsulated message.\r\n"
        "\r\n"
        f"--{BOUNDARY}\r\n"
        "Content-Description: Notification\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n"
        "\r\n"
        "This is the mail system at host relay.example.se.\r\n"
        "\r\n"
        "I'm sorry to have to inform you that your message could not\r\n"
        "be delivered to one or more recipients.\r\n"
        "\r\n"
        f"<{recipient}>: host mx.example.org said: 550 the mailbox refused\r\n"
        "\r\n"
        f"--{BOUNDARY}\r\n"
        "Content-Description: Delivery report\r\n"
        "Content-Type: message/delivery-status\r\n"
        "\r\n"
        "Reporting-MTA: dns; relay.example.se\r\n"
        "X-Postfix-Queue-ID: 8C3E2A1F\r\n"
        "Arrival-Date: Mon,  7 Dec 2026 00:59:58 +0100 (CET)\r\n"
        "\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        f"Original-Recipient: rfc822;{recipient}\r\n"
        f"Action: {action}\r\n"
        f"Status: {status}\r\n"
        "Remote-MTA: dns; mx.example.org\r\n"
        f"Diagnostic-Code: {diagnostic.format(recipient=recipient)}\r\n"
        "\r\n"
        f"--{BOUNDARY}\r\n"
        f"{returned}"
        "\r\n"
        f"--{BOUNDARY}--\r\n"
    )
    return text.encode()
