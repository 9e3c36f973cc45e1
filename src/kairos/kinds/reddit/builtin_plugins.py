"""The plugins Kairos ships: masking personal details, extracting links, tagging by keyword."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# Seven or more digits in the usual groupings, with an optional country code: phone numbers,
# not years, scores or ids (those have no separators or are shorter).
PHONE = re.compile(r"(?<![\w/])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?|\d{2,4}[\s.-])\d{3,4}[\s.-]?\d{3,4}(?![\w/])")
URL = re.compile(r"https?://[^\s<>()\[\]\"']+")
TEXT_FIELDS = ("title", "selftext")


def _comments(post: dict[str, Any]) -> Iterator[dict[str, Any]]:
    stack = list(post.get("comments") or [])
    while stack:
        comment = stack.pop(0)
        yield comment
        stack[0:0] = comment.get("replies") or []


def _texts(post: dict[str, Any]) -> Iterator[str]:
    for name in TEXT_FIELDS:
        if post.get(name):
            yield str(post[name])
    for comment in _comments(post):
        if comment.get("body"):
            yield str(comment["body"])


def mask_pii(post: dict[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    """Replace e-mail addresses and phone numbers in the title, text and comments."""
    def mask(text: str) -> str:
        return PHONE.sub("[phone]", EMAIL.sub("[email]", text))

    for name in TEXT_FIELDS:
        if isinstance(post.get(name), str):
            post[name] = mask(post[name])
    for comment in _comments(post):
        if isinstance(comment.get("body"), str):
            comment["body"] = mask(comment["body"])
    return post


def extract_links(post: dict[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    """Add `links`: every http(s) URL in the post's link, text and comments, once, in order."""
    links: list[str] = []
    candidates = [str(post["url"])] if post.get("url") and not post.get("is_self") else []
    for text in _texts(post):
        candidates.extend(match.rstrip(".,;:!?") for match in URL.findall(text))
    for link in candidates:
        if link not in links:
            links.append(link)
    post["links"] = links
    return post


def keyword_tags(post: dict[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    """Add `tags` from `config.keywords`: a list of words (each its own tag) or {tag: [words]};
    a tag applies when any of its words appears in the title, text or comments (any case)."""
    keywords = config.get("keywords") or {}
    groups = {str(word): [str(word)] for word in keywords} if isinstance(keywords, list) else {
        str(tag): [str(w) for w in (words if isinstance(words, list) else [words])] for tag, words in keywords.items()}
    text = "\n".join(_texts(post)).lower()
    post["tags"] = [tag for tag, words in groups.items()
                    if any(re.search(rf"(?<!\w){re.escape(w.lower())}(?!\w)", text) for w in words)]
    return post
