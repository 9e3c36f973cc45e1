"""Scenario: extraction throughput of a CSS strategy over a large page, beside the same extraction by hand.

The page is generated: product cards with a linked title, a price in text, a SKU attribute and
tags. The strategy has four fields (text, a relative link, a regex, an attribute). The peer is
the same extraction written directly against parsel, the library the engine uses, so the ratio
is what the engine's generality costs (field specs, normalisation, warnings), not parsing speed.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from parsel import Selector

from bench.databases import Databases
from bench.report import MB, ratio, table
from bench.sizes import QUICK, Sizes
from kairos.domain.strategies import build_strategy
from kairos.kinds.scrape.extract import extract

FULL_CARDS = 10_000
QUICK_CARDS = 1_000
PAGE_URL = "https://shop.example/catalog/page-1.html"
WORDS = ("lamp", "desk", "chair", "oak", "steel", "blue", "compact", "deluxe", "classic", "folding",
         "round", "tall", "walnut", "linen", "outdoor", "kitchen")

STRATEGY = build_strategy(
    {"name": "bench cards", "type": "css", "item": "div.card", "fields": {
        "title": "h2 a::text",
        "url": {"selector": "h2 a", "attr": "href"},
        "price": {"selector": ".price::text", "regex": r"([\d]+\.\d\d)"},
        "sku": {"selector": "div.meta", "attr": "data-sku"},
    }},
    strategy_id="strat_bench", workspace_id="ws_bench", now=datetime(2026, 1, 1, tzinfo=UTC),
)
PRICE = re.compile(r"([\d]+\.\d\d)")


def page(cards: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    parts = ["<!doctype html><html><head><title>Catalog</title></head><body><main>"]
    for n in range(cards):
        name = " ".join(rng.choice(WORDS) for _ in range(3)).title()
        tags = "".join(f'<li class="tag">{rng.choice(WORDS)}</li>' for _ in range(3))
        parts.append(
            f'<div class="card" id="c{n}">\n  <h2 class="title"><a href="/item/{n}?ref=list">\n'
            f"    {name} </a></h2>\n"
            f'  <img src="/img/{n}.jpg" alt="{name}" width="240" height="180">\n'
            f'  <p class="lead">A {name.lower()} for every room, shipped in {rng.randint(1, 9)} days.</p>\n'
            f'  <span class="price">Price: {rng.randint(5, 900)}.{rng.randint(0, 99):02d} EUR</span>\n'
            f'  <div class="meta" data-sku="SKU-{n:06d}" data-stock="{rng.randint(0, 50)}"></div>\n'
            f'  <ul class="tags">{tags}</ul>\n</div>\n'
        )
    parts.append("</main></body></html>")
    return "".join(parts)


def by_hand(html: str, url: str) -> list[dict[str, Any]]:
    """The same four fields, written the way one would with parsel alone."""
    items = []
    for card in Selector(text=html).css("div.card"):
        title = card.css("h2 a::text").get()
        href = card.css("h2 a::attr(href)").get()
        price_text = card.css(".price::text").get() or ""
        found = PRICE.search(price_text)
        items.append({
            "title": " ".join(title.split()) if title else None,
            "url": urljoin(url, href) if href else None,
            "price": found.group(1) if found else None,
            "sku": card.css("div.meta::attr(data-sku)").get(),
        })
    return items


def kairos_engine(html: str, url: str) -> list[dict[str, Any]]:
    return extract(STRATEGY, html, url=url).items


def _best(run: Callable[[str, str], list[dict[str, Any]]], html: str, repeats: int) -> tuple[float, list[Any]]:
    best, items = float("inf"), []
    for _ in range(repeats):
        started = time.perf_counter()
        items = run(html, PAGE_URL)
        best = min(best, time.perf_counter() - started)
    return best, items


def extraction(sizes: Sizes, _dbs: Databases) -> None:
    cards = QUICK_CARDS if sizes == QUICK else FULL_CARDS
    repeats = 2 if sizes == QUICK else 3
    html = page(cards)
    size = len(html.encode())
    ours_s, ours = _best(kairos_engine, html, repeats)
    peer_s, theirs = _best(by_hand, html, repeats)
    same = ours == theirs and len(ours) == cards
    rows = []
    for name, seconds in (("Kairos extract() (css strategy, 4 fields)", ours_s),
                          ("parsel by hand (same 4 fields)", peer_s)):
        rows.append([name, f"{cards:,}", f"{size / MB:,.1f}", f"{seconds * 1000:,.0f} ms",
                     f"{cards / seconds:,.0f}/s", f"{size / MB / seconds:,.1f}",
                     ratio(cards / seconds, cards / peer_s)])
    table("Extraction: a CSS strategy over one large page, beside parsel by hand",
          ["extractor", "items", "page MB", "best time", "items/s", "MB/s", "vs parsel"], rows,
          notes=[f"best of {repeats} runs, each parsing the page from text; one process, one thread",
                 "identical items from both" if same else "ITEMS DIFFER between the two extractors",
                 "fields: title (text), url (href made absolute), price (regex), sku (attribute)"])
