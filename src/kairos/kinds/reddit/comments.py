"""A post's whole comment tree: `/comments/{id}`, then its stubs expanded.

"load more" stubs (kind `more` with children ids) are expanded through `/api/morechildren`, up
to 100 ids a call, largest stub first, and a call is filled from the next stubs when the largest
has fewer than 100 ids left, so a tree costs as few calls as Reddit allows. "continue this
thread" stubs (id `_`) are followed with `/comments/{post}/_/{parent}`. `max_more` bounds the
extra calls one post may cost; what is left is counted as `unexpanded`.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from typing import Any

from kairos.kinds.reddit.client import RedditClient
from kairos.kinds.reddit.items import comment_item

MORE_IDS_PER_CALL = 100
FIRST_CALL_LIMIT = 500  # comments Reddit may render in the first call


@dataclass
class Tree:
    roots: list[dict[str, Any]] = field(default_factory=list)
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    created: dict[str, float] = field(default_factory=dict)
    stubs: list[tuple[int, int, list[str]]] = field(default_factory=list)  # heap of (-count, order, ids)
    threads: list[str] = field(default_factory=list)  # comment ids whose replies are elsewhere
    orphans: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    order: itertools.count[int] = field(default_factory=itertools.count)

    def add_comment(self, data: dict[str, Any]) -> None:
        cid = data.get("id")
        if not cid or cid in self.nodes:
            return
        parent = str(data.get("parent_id") or "")
        parent_node = self.nodes.get(parent[3:]) if parent.startswith("t1_") else None
        depth = 0 if parent.startswith("t3_") or parent_node is None else parent_node["depth"] + 1
        item = comment_item(data, depth)
        self.nodes[cid] = item
        self.created[cid] = float(data.get("created_utc") or 0)
        if parent.startswith("t3_"):
            self.roots.append(item)
        elif parent_node is not None:
            parent_node["replies"].append(item)
        else:
            self.orphans.append((parent, item))

    def add_stub(self, data: dict[str, Any]) -> None:
        children = [cid for cid in data.get("children") or [] if cid not in self.nodes]
        if data.get("id") == "_" or (not children and data.get("count", 0) == 0):
            parent = str(data.get("parent_id") or "")
            if parent.startswith("t1_"):
                self.threads.append(parent[3:])
            return
        if children:
            heapq.heappush(self.stubs, (-int(data.get("count") or len(children)), next(self.order), children))

    def add_things(self, things: list[dict[str, Any]]) -> None:
        for thing in things:
            if thing.get("kind") == "t1":
                data = dict(thing["data"])
                replies = data.pop("replies", None)
                self.add_comment(data)
                if isinstance(replies, dict):
                    self.add_things(replies.get("data", {}).get("children", []))
            elif thing.get("kind") == "more":
                self.add_stub(thing["data"])
        self._adopt()

    def _adopt(self) -> None:
        """Comments whose parent came later in the same answer find it now."""
        waiting, self.orphans = self.orphans, []
        for parent, item in waiting:
            node = self.nodes.get(parent[3:])
            if node is None:
                self.orphans.append((parent, item))
                continue
            _set_depth(item, node["depth"] + 1)
            node["replies"].append(item)

    def next_ids(self) -> list[str]:
        """Up to 100 ids for one morechildren call, from the largest stubs first."""
        ids: list[str] = []
        while self.stubs and len(ids) < MORE_IDS_PER_CALL:
            count, order, children = heapq.heappop(self.stubs)
            room = MORE_IDS_PER_CALL - len(ids)
            fresh = [cid for cid in children if cid not in self.nodes]
            ids.extend(fresh[:room])
            rest = fresh[room:]
            if rest:
                share = max(len(rest), round(-count * len(rest) / max(len(fresh), 1)))
                heapq.heappush(self.stubs, (-share, order, rest))
        return ids

    @property
    def unexpanded(self) -> int:
        return sum(-count for count, _, _ in self.stubs) + len(self.threads)

    def finish(self) -> list[dict[str, Any]]:
        for parent, item in self.orphans:
            # A parent Reddit never sent (deleted with its thread): keep the reply at the top.
            item["parent_id"] = parent
            self.roots.append(item)
        self.orphans = []
        return self.roots


def _set_depth(item: dict[str, Any], depth: int) -> None:
    item["depth"] = depth
    for reply in item["replies"]:
        _set_depth(reply, depth + 1)


@dataclass(frozen=True)
class CommentResult:
    tree: list[dict[str, Any]]
    flat: list[dict[str, Any]]
    created: dict[str, float]
    unexpanded: int


def fetch_comments(client: RedditClient, post_id: str, *, max_more: int, owner: str) -> CommentResult:
    body = client.get(f"/comments/{post_id}", {"limit": FIRST_CALL_LIMIT, "showmore": "true"})
    tree = Tree()
    if isinstance(body, list) and len(body) >= 2:
        tree.add_things(body[1].get("data", {}).get("children", []))
    extra = 0
    while extra < max_more and (tree.stubs or tree.threads):
        client.gate.ctx.check_cancelled()
        if tree.stubs:
            ids = tree.next_ids()
            if not ids:
                continue
            with client.gate.one_at_a_time(owner):
                answer = client.post("/api/morechildren", {
                    "api_type": "json", "link_id": f"t3_{post_id}", "children": ",".join(ids),
                    "limit_children": "false"})
            data = answer.get("json", {}).get("data") if isinstance(answer, dict) else None
            tree.add_things((data or {}).get("things", []))
        else:
            parent = tree.threads.pop(0)
            answer = client.get(f"/comments/{post_id}/_/{parent}", {"limit": FIRST_CALL_LIMIT})
            if isinstance(answer, list) and len(answer) >= 2:
                _graft(tree, parent, answer[1].get("data", {}).get("children", []))
        extra += 1
    roots = tree.finish()
    flat = _walk(roots)
    return CommentResult(tree=roots, flat=flat, created=tree.created, unexpanded=tree.unexpanded)


def _graft(tree: Tree, parent: str, things: list[dict[str, Any]]) -> None:
    """A "continue this thread" answer starts with the parent we have: take its replies."""
    for thing in things:
        data = thing.get("data", {})
        if thing.get("kind") == "t1" and data.get("id") == parent:
            replies = data.get("replies")
            if isinstance(replies, dict):
                tree.add_things(replies.get("data", {}).get("children", []))
        else:
            tree.add_things([thing])


def _walk(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for node in nodes:
        out.append(node)
        out.extend(_walk(node["replies"]))
    return out
