"""The sitemap (sitemaps.org 0.9) and robots.txt. Plain Python."""

from collections.abc import Iterable
from xml.etree import ElementTree as ET

from myndnet_schemas.text import xml_safe

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
MAX_URLS = 50_000  # a sitemap file's limit

# Pages a token opens are one person's; search engines have no business there.
PRIVATE = (
    "/bevakning/hantera",
    "/bevakning/bekrafta",
    "/en/bevakning/hantera",
    "/en/bevakning/bekrafta",
    "/evenemang/bekrafta",
    "/evenemang/avboka",
    "/en/evenemang/bekrafta",
    "/en/evenemang/avboka",
    "/nyheter/avsluta",
    "/en/nyheter/avsluta",
    "/kampanj/",
    "/en/kampanj/",
)


def sitemap_xml(pages: Iterable[tuple[str, str | None]]) -> bytes:
    """`pages`: (absolute URL, last modified as YYYY-MM-DD or None)."""
    ET.register_namespace("", SITEMAP)
    root = ET.Element(f"{{{SITEMAP}}}urlset")
    for count, (url, modified) in enumerate(pages):
        if count >= MAX_URLS:
            break
        entry = ET.SubElement(root, f"{{{SITEMAP}}}url")
        ET.SubElement(entry, f"{{{SITEMAP}}}loc").text = xml_safe(url)
        if modified:
            ET.SubElement(entry, f"{{{SITEMAP}}}lastmod").text = modified
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def robots_txt(base_url: str) -> str:
    lines = ["User-agent: *", "Allow: /", *(f"Disallow: {path}" for path in PRIVATE)]
    return "\n".join([*lines, f"Sitemap: {base_url}/sitemap.xml", ""])
