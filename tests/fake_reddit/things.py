"""Rendering the corpus the way Reddit's API answers: Listings of t3/t1/more things."""

from __future__ import annotations

import copy
import html
from typing import Any

from tests.fake_reddit.corpus import Corpus, Node, Post

LISTING_CAP = 1000  # Reddit serves no item past the thousandth of a listing
LEVEL_CAP = 8  # replies shown per comment before a "load more" stub


def listing(children: list[dict[str, Any]], after: str | None = None,
            before: str | None = None) -> dict[str, Any]:
    return {"kind": "Listing", "data": {"after": after, "dist": len(children), "modhash": "",
                                        "geo_filter": "", "children": children, "before": before}}


def escaped(value: Any) -> Any:
    """Without raw_json=1 Reddit answers with &, < and > HTML-escaped in every string."""
    if isinstance(value, str):
        return html.escape(value, quote=False)
    if isinstance(value, list):
        return [escaped(item) for item in value]
    if isinstance(value, dict):
        return {key: escaped(item) for key, item in value.items()}
    return value


def post_thing(post: Post) -> dict[str, Any]:
    return {"kind": "t3", "data": copy.deepcopy(post.data)}


def page(posts: list[Post], *, limit: int, after: str | None, before: str | None) -> dict[str, Any]:
    """One page of a listing, newest first, honouring after/before and the 1,000-item cap."""
    reachable = posts[:LISTING_CAP]
    names = [post.data["name"] for post in reachable]
    limit = max(1, min(limit, 100))
    if after:
        if after not in names:
            return listing([])
        start = names.index(after) + 1
        chosen = reachable[start:start + limit]
    elif before:
        if before not in names:
            return listing([])
        end = names.index(before)
        chosen = reachable[max(0, end - limit):end]
    else:
        start = 0
        chosen = reachable[:limit]
    if not chosen:
        return listing([])
    last = names.index(chosen[-1].data["name"])
    first = names.index(chosen[0].data["name"])
    return listing([post_thing(post) for post in chosen],
                   after=chosen[-1].data["name"] if last + 1 < len(reachable) else None,
                   before=chosen[0].data["name"] if first > 0 else None)


def comment_data(corpus: Corpus, node: Node, post_id: str, parent: str, depth: int) -> dict[str, Any]:
    post = corpus.posts[post_id]
    return {"id": node.id, "name": f"t1_{node.id}", "parent_id": parent, "link_id": f"t3_{post_id}",
            "author": node.author, "body": node.body, "body_html": f"<p>{html.escape(node.body)}</p>",
            "score": node.score, "ups": node.score, "created_utc": node.created_utc, "edited": False,
            "depth": depth, "replies": "", "stickied": False, "distinguished": None,
            "is_submitter": node.author == post.data["author"], "controversiality": 0,
            "subreddit": post.data["subreddit"],
            "permalink": f"{post.data['permalink']}{node.id}/"}


def more(parent: str, depth: int, rest: list[Node]) -> dict[str, Any]:
    first = rest[0].id if rest else "_"
    return {"kind": "more", "data": {
        "count": sum(node.size() for node in rest), "name": f"t1_{first}", "id": first,
        "parent_id": parent, "depth": depth, "children": [node.id for node in rest]}}


def continue_thread(parent: str, depth: int) -> dict[str, Any]:
    return {"kind": "more", "data": {"count": 0, "name": "t1__", "id": "_", "parent_id": parent,
                                     "depth": depth, "children": []}}


class TreeRenderer:
    """Comments as /comments/{id} nests them: a total budget, a per-level cap, a depth limit."""

    def __init__(self, corpus: Corpus, post_id: str, *, limit: int, max_depth: int) -> None:
        self.corpus, self.post_id = corpus, post_id
        self.budget, self.max_depth = limit, max_depth

    def render(self, nodes: list[Node], parent: str, depth: int, *, top: bool) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for index, node in enumerate(nodes):
            if self.budget <= 0 or (not top and index >= LEVEL_CAP):
                out.append(more(parent, depth, nodes[index:]))
                break
            self.budget -= 1
            data = comment_data(self.corpus, node, self.post_id, parent, depth)
            if node.children:
                if depth + 1 >= self.max_depth:
                    replies = [continue_thread(data["name"], depth + 1)]
                else:
                    replies = self.render(node.children, data["name"], depth + 1, top=False)
                data["replies"] = listing(replies)
            out.append({"kind": "t1", "data": data})
        return out


def flat_children(corpus: Corpus, post_id: str, ids: list[str], depth_limit: int = 3) -> list[dict[str, Any]]:
    """What /api/morechildren answers: the asked comments and some descendants, flat, in order."""
    things: list[dict[str, Any]] = []

    def walk(node: Node, parent: str, depth: int, relative: int) -> None:
        things.append({"kind": "t1", "data": comment_data(corpus, node, post_id, parent, depth)})
        if not node.children:
            return
        if relative + 1 >= depth_limit:
            things.append(more(f"t1_{node.id}", depth + 1, node.children))
            return
        for index, child in enumerate(node.children):
            if index >= LEVEL_CAP:
                things.append(more(f"t1_{node.id}", depth + 1, node.children[index:]))
                break
            walk(child, f"t1_{node.id}", depth + 1, relative + 1)

    for cid in ids:
        found = corpus.comment_index.get(cid)
        if found is None or found[0] != post_id:
            continue
        _, node, parent = found
        walk(node, parent, _depth_of(corpus, cid), 0)
    return things


def _depth_of(corpus: Corpus, comment_id: str) -> int:
    depth = 0
    parent = corpus.comment_index[comment_id][2]
    while parent.startswith("t1_"):
        depth += 1
        parent = corpus.comment_index[parent[3:]][2]
    return depth
