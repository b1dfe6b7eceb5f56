"""Search: the index holds no Mermaid source, and the terms readers type find their page.

Typed into the real search box of the built site (Material's search, its own index), the
way a reader does; the first result must be the page that explains the term.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.support import browser as bs

# Term -> the page that explains it.
FIRST_RESULT = {
    "externalTrafficPolicy": "nodeport",
    "NodePort": "nodeport",
    "MetalLB": "loadbalancer",
    "mTLS": "service-mesh",
    "kubectl proxy": "clusterip",
    "IngressRoute": "ingress",
    "ReferenceGrant": "gateway-api",
    # The pages of the rest of the networking model
    "NetworkPolicy": "network-policy",
    "ndots": "dns",
    "EndpointSlice": "endpoints",
    "certificateRefs": "gateway-api-https",
    "PROXY protocol": "client-ip",
}

# Words that only Mermaid source has (diagram keywords and accessibility lines).
MERMAID_SOURCE = re.compile(
    r"\b(sequenceDiagram|flowchart (?:LR|TD|TB)|accTitle|accDescr|participant \w+ as)\b"
)


def test_every_mermaid_block_is_excluded_from_search(site):
    for html in site.rglob("index.html"):
        text = html.read_text(encoding="utf-8")
        for tag in re.findall(r"<div\b[^>]*\bclass=\"mermaid\"[^>]*>", text):
            assert "data-search-exclude" in tag, f"{html}: {tag}"


def test_search_index_holds_no_mermaid_source(site):
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    found = [
        f"{doc['location']}: {match.group(0)}"
        for doc in index["docs"]
        for match in [MERMAID_SOURCE.search(doc["title"] + " " + doc["text"])]
        if match
    ]
    assert found == [], f"Mermaid source in the search index: {found}"


@pytest.mark.browser
@pytest.mark.parametrize("term", list(FIRST_RESULT))
def test_search_puts_the_explaining_page_first(browser, server, term):
    context = bs.new_context(browser, server.origin, "desktop", "light")
    try:
        page = context.new_page()
        page.goto(server.url)
        page.locator("input.md-search__input").click()
        page.keyboard.type(term)
        first = page.locator(".md-search-result__item a.md-search-result__link").first
        first.wait_for(timeout=15_000)
        page.wait_for_timeout(300)  # the results for the last keystroke
        href = first.get_attribute("href") or ""
        expected = bs.page_path(FIRST_RESULT[term])
        assert f"/{expected}" in href, f"{term!r}: first result {href}, expected {expected}"
        assert context.third_party == []
    finally:
        context.close()
