"""Lucene-style filters over result items: `+required optional -excluded "a phrase" field:value`.

The text is parsed by luqum and compiled into a small tree of clauses evaluated per item:
- a word matches a whole word, case-insensitively, in any string of the item (nested objects and
  lists included; numbers and booleans are read as their text); `*` and `?` are wildcards;
- a phrase matches as a substring, case-insensitively;
- `field:value` looks only at that field (`a.b` walks nested objects, and lists of them);
  `field:*` asks that the field be present and not null;
- within one group, every `+` clause must match and no `-` (or `NOT`) clause may; when there is no
  `+` clause at least one plain clause must match. A filter of only `-` clauses keeps every item
  that matches none of them. `AND`, `OR`, `NOT` and parentheses work as in Lucene.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from luqum import tree
from luqum.exceptions import InconsistentQueryException, ParseError
from luqum.thread import parse as luqum_parse

from kairos.exceptions import InvalidInput

FILTER_LOC = ("query", "filter")
MAX_FILTER_LENGTH = 1000


@dataclass(frozen=True, kw_only=True)
class Term:
    """One word or phrase, optionally on a field."""

    field: tuple[str, ...] | None
    pattern: re.Pattern[str] | None  # None: `field:*`, presence only

    def matches(self, item: Any) -> bool:
        values = _values(item) if self.field is None else _field_values(item, self.field)
        if self.pattern is None:
            return any(True for _ in values)
        return any(self.pattern.search(text) for text in _texts(values))


@dataclass(frozen=True, kw_only=True)
class Clauses:
    """A Lucene boolean group: MUST, SHOULD and MUST_NOT clauses."""

    must: tuple[Node, ...] = ()
    should: tuple[Node, ...] = ()
    must_not: tuple[Node, ...] = ()

    def matches(self, item: Any) -> bool:
        if any(node.matches(item) for node in self.must_not):
            return False
        if not all(node.matches(item) for node in self.must):
            return False
        if self.must or not self.should:
            return True
        return any(node.matches(item) for node in self.should)


Node = Term | Clauses


@dataclass(frozen=True, kw_only=True)
class ItemFilter:
    text: str
    root: Node

    def matches(self, item: Any) -> bool:
        return self.root.matches(item)

    def select(self, items: list[Any]) -> list[Any]:
        return [item for item in items if self.root.matches(item)]


def parse_filter(text: str | None) -> ItemFilter | None:
    """The filter for `text`; None when it is absent or blank. Raises InvalidInput naming `filter`."""
    if text is None or not text.strip():
        return None
    if len(text) > MAX_FILTER_LENGTH:
        raise InvalidInput.field(FILTER_LOC, f"is longer than {MAX_FILTER_LENGTH} characters")
    try:
        parsed = luqum_parse(text)
    except (ParseError, InconsistentQueryException) as exc:
        raise InvalidInput.field(FILTER_LOC, f"is not a valid Lucene-style filter: {exc}") from None
    return ItemFilter(text=text, root=_compile(parsed, None))


# --- compiling luqum's tree ------------------------------------------------------------------------


def _compile(node: tree.Item, field: tuple[str, ...] | None) -> Node:
    if isinstance(node, tree.SearchField):
        if field is not None:
            raise InvalidInput.field(FILTER_LOC, f"field {node.name!r} is nested inside another field")
        return _compile(node.expr, tuple(node.name.split(".")))
    if isinstance(node, tree.Group | tree.FieldGroup):
        return _compile(node.expr, field)
    if isinstance(node, tree.Boost):
        return _compile(node.expr, field)
    if isinstance(node, tree.Word):
        return _word(node, field)
    if isinstance(node, tree.Phrase):
        phrase = node.unescaped_value[1:-1].casefold()
        return Term(field=field, pattern=re.compile(re.escape(phrase)))
    if isinstance(node, tree.Plus):
        return Clauses(must=(_compile(node.a, field),))
    if isinstance(node, tree.Prohibit | tree.Not):
        return Clauses(must_not=(_compile(node.a, field),))
    if isinstance(node, tree.AndOperation):
        must, must_not = [], []
        for child in node.children:
            if isinstance(child, tree.Prohibit | tree.Not):
                must_not.append(_compile(child.a, field))
            else:
                must.append(_compile(_unplus(child), field))
        return Clauses(must=tuple(must), must_not=tuple(must_not))
    if isinstance(node, tree.OrOperation):
        return Clauses(should=tuple(_compile(_unplus(child), field) for child in node.children))
    if isinstance(node, tree.UnknownOperation):
        # Lucene's default operator: plain clauses are SHOULD, `+` MUST, `-` MUST_NOT.
        must, should, must_not = [], [], []
        for child in node.children:
            if isinstance(child, tree.Plus):
                must.append(_compile(child.a, field))
            elif isinstance(child, tree.Prohibit | tree.Not):
                must_not.append(_compile(child.a, field))
            else:
                should.append(_compile(child, field))
        return Clauses(must=tuple(must), should=tuple(should), must_not=tuple(must_not))
    raise InvalidInput.field(
        FILTER_LOC, f"{node.__class__.__name__.lower()} queries ({node}) are not supported; "
        "use words, \"phrases\", field:value, + - AND OR NOT and parentheses")


def _unplus(node: tree.Item) -> tree.Item:
    return node.a if isinstance(node, tree.Plus) else node


def _word(node: tree.Word, field: tuple[str, ...] | None) -> Term:
    if node.value == "*":
        if field is None:
            return Term(field=None, pattern=re.compile(""))
        return Term(field=field, pattern=None)
    pieces = [re.escape(part) for part in node.unescaped_value.casefold().split("*")]
    body = r"\w*".join(piece.replace(r"\?", r"\w") for piece in pieces)
    # Whole words: no word character may touch either end.
    return Term(field=field, pattern=re.compile(rf"(?<!\w){body}(?!\w)"))


# --- reading an item -------------------------------------------------------------------------------


def _values(value: Any) -> Iterator[Any]:
    """Every scalar inside a JSON value (keys are not searched)."""
    if isinstance(value, dict):
        for inner in value.values():
            yield from _values(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _values(inner)
    elif value is not None:
        yield value


def _field_values(item: Any, path: tuple[str, ...]) -> Iterator[Any]:
    """The scalars at a dotted path; a list along the way is searched element by element."""
    if isinstance(item, list):
        for inner in item:
            yield from _field_values(inner, path)
        return
    if not isinstance(item, dict):
        return
    joined = ".".join(path)
    if joined in item:  # a key that itself holds dots
        yield from _values(item[joined])
        return
    head, rest = path[0], path[1:]
    if head not in item:
        return
    if rest:
        yield from _field_values(item[head], rest)
    else:
        yield from _values(item[head])


def _texts(values: Iterator[Any]) -> Iterator[str]:
    for value in values:
        if isinstance(value, bool):
            yield "true" if value else "false"
        else:
            yield str(value).casefold()
