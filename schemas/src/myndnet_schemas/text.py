"""One hygiene rule for the text agencies and the public send, so that nothing stored can break
a page, a feed, a mail header or a log line later:

- no C0 or C1 control characters (a description may hold line breaks and tabs), and no DEL;
- no lone surrogates (they are not text, and cannot be encoded as UTF-8);
- stored in Unicode NFC, so that "é" typed two ways is one word for search and comparison.

Web addresses are held to a stricter rule (`safe_https_url`): https, a plain host name, no
user part, no backslash, no white space, no control or invisible formatting characters (bidi
overrides make an address read as another one).
"""

import re
import unicodedata
from urllib.parse import urlsplit

_CONTROLS = "\x00-\x1f\x7f-\x9f"
_SURROGATES = "\ud800-\udfff"
_NOT_IN_A_LINE = re.compile(f"[{_CONTROLS}{_SURROGATES}]")
_NOT_IN_TEXT = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_SURROGATES}]")
_HOST = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)
_PLAIN_URL = re.compile(
    r"https://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:[/?#][!$&'()*+,;=:@/?#%A-Za-z0-9._~-]*)?"
)


def _describe(character: str) -> str:
    code = ord(character)
    if 0xD800 <= code <= 0xDFFF:
        return f"a lone surrogate (U+{code:04X}), which is not text"
    return f"the control character U+{code:04X}"


def one_line(value: str) -> str:
    """A name, a title, a municipality: one line of text."""
    found = _first_refused(value, _NOT_IN_A_LINE, _FINE_IN_A_LINE)
    if found:
        raise ValueError(f"must be one line of text without {_describe(found)}")
    return _nfc(value)


def multiline(value: str) -> str:
    """A description: line breaks and tabs allowed, other control characters not."""
    found = _first_refused(value, _NOT_IN_TEXT, _FINE_IN_TEXT)
    if found:
        raise ValueError(f"must be text without {_describe(found)}")
    return _nfc(value)


# Every text an agency sends is checked once per event, so the common case is kept fast:
# Swedish text is Latin-1, where bytes.translate finds a refused character in C (the pattern
# alone took half of a vacancy's validation). Latin-1 text is also always in NFC.
_FINE_IN_A_LINE = bytes(b for b in range(256) if not (b < 0x20 or 0x7F <= b <= 0x9F))
_FINE_IN_TEXT = _FINE_IN_A_LINE + b"\t\n\r"


def _first_refused(value: str, pattern: re.Pattern[str], fine: bytes) -> str | None:
    try:
        if not value.encode("latin-1").translate(None, fine):
            return None
    except UnicodeEncodeError:
        pass  # wider text: ask the pattern
    found = pattern.search(value)
    return found.group() if found else None


def _nfc(value: str) -> str:
    try:
        value.encode("latin-1")
        return value
    except UnicodeEncodeError:
        pass
    return value if unicodedata.is_normalized("NFC", value) else unicodedata.normalize("NFC", value)


def safe_https_url(url: str) -> str:
    example = "such as https://www.example.se/jobb/123"
    if not _PLAIN_URL.fullmatch(url):  # the common shape skips the character-by-character look
        if any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in url):
            raise ValueError(
                "must be an https:// address without spaces, control or invisible characters, "
                + example
            )
        if "\\" in url:
            raise ValueError(f"must be an https:// address without backslashes, {example}")
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise ValueError(f"must be an https:// address, {example}")
    if "@" in parts.netloc:
        raise ValueError(f"must not hold a user name or '@' before the host, {example}")
    if not _HOST.fullmatch(parts.hostname or ""):
        raise ValueError(f"must name a host of letters, digits, '-' and '.', {example}")
    try:
        parts.port  # noqa: B018 - raises for a port that is not a number in range
    except ValueError:
        raise ValueError(f"must have a valid port, if any, {example}") from None
    return url


XML_INVALID = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff{_SURROGATES}]")


def xml_safe(value: str) -> str:
    """Text XML 1.0 can hold: what it cannot becomes U+FFFD (for data stored before the rule)."""
    return XML_INVALID.sub("\ufffd", value)
