"""The fake's data: subreddits of posts and their comment trees, rendered as Reddit things.

Ids are base 36 like Reddit's, handed out in creation order, so a newer post has a larger id and
a later `created_utc`. Every post kind the scraper must handle can be made: self and link posts,
images, galleries (one item failed), crossposts, v.redd.it videos, deleted and removed posts.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
START = 1_700_000_000.0


def base36(number: int) -> str:
    out = ""
    while number:
        number, digit = divmod(number, 36)
        out = BASE36[digit] + out
    return out or "0"


@dataclass
class Node:
    """One comment and its replies."""

    id: str
    author: str
    body: str
    created_utc: float
    score: int = 1
    children: list[Node] = field(default_factory=list)

    def size(self) -> int:
        return 1 + sum(child.size() for child in self.children)


@dataclass
class Post:
    data: dict[str, Any]
    comments: list[Node] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.data["id"])


class Corpus:
    """Posts per subreddit (and per author), newest first, with comment trees."""

    def __init__(self, media_url: str) -> None:
        self.media_url = media_url  # where i.redd.it / v.redd.it content is served
        self._ids = itertools.count(36**4)
        self._clock = itertools.count()
        self.listings: dict[str, list[Post]] = {}  # "r/sub" or "u/name" -> posts, newest first
        self.posts: dict[str, Post] = {}
        self.comment_index: dict[str, tuple[str, Node, str]] = {}  # id -> (post, node, parent fullname)
        self.videos: dict[str, dict[str, Any]] = {}  # video id -> {"audio": bool, "audio_name": ...}
        self.images: dict[str, int] = {}  # image file name -> colour seed
        self.failed_images: set[str] = set()  # names answered with a 404 (a gallery's failed item)

    def new_id(self) -> str:
        return base36(next(self._ids))

    def tick(self) -> float:
        return START + 60 * next(self._clock)

    # --- posts -------------------------------------------------------------------------------

    def add_posts(self, subreddit: str, count: int, *, variety: bool = True,
                  comments: int = 2, author: str | None = None) -> list[Post]:
        """`count` new posts on top of r/subreddit; with `variety`, every kind of post appears."""
        made = []
        for _ in range(count):
            index = len(self.listings.get(f"r/{subreddit}", []))
            kind = _kind_for(index) if variety else "self"
            post = self.make_post(subreddit, kind, author=author or f"user{index % 7}")
            self.add_comments(post, _small_tree(self, comments, index))
            made.append(post)
        return made

    def make_post(self, subreddit: str, kind: str, *, author: str = "someone",
                  share_image: str | None = None, audio: bool | None = None) -> Post:
        pid = self.new_id()
        created = self.tick()
        data: dict[str, Any] = {
            "id": pid, "name": f"t3_{pid}", "title": f"Post {pid} in r/{subreddit} & friends",
            "author": author, "author_fullname": f"t2_{author}", "subreddit": subreddit,
            "subreddit_name_prefixed": f"r/{subreddit}", "subreddit_id": "t5_2qh16",
            "selftext": "", "selftext_html": None, "is_self": False, "is_video": False,
            "created_utc": created, "score": 10, "ups": 10, "upvote_ratio": 0.9,
            "num_comments": 0, "over_18": False, "spoiler": False, "stickied": False,
            "locked": False, "edited": False, "distinguished": None, "link_flair_text": None,
            "permalink": f"/r/{subreddit}/comments/{pid}/post_{pid}/", "thumbnail": "self",
            "domain": f"self.{subreddit}", "url": f"https://www.reddit.com/r/{subreddit}/comments/{pid}/",
            "media": None, "secure_media": None, "removed_by_category": None,
        }
        if kind == "self":
            data.update(is_self=True, selftext=f"Body of {pid}: mail me at someone{pid}@example.com "
                                                 "or see https://example.com/a?x=1&y=2")
        elif kind == "link":
            data.update(url=f"https://example.com/article/{pid}?ref=reddit&utm=1", domain="example.com")
        elif kind == "image":
            name = share_image or f"{pid}.png"
            self.images.setdefault(name, len(self.images))
            data.update(url=f"{self.media_url}/i/{name}", domain="i.redd.it", post_hint="image")
        elif kind == "gallery":
            self._gallery(data)
        elif kind == "video":
            self._video(data, audio=len(self.videos) % 3 != 2 if audio is None else audio)
        elif kind == "crosspost":
            parent = self.make_post(subreddit + "_origin", "image")
            data.update(crosspost_parent=parent.data["name"], crosspost_parent_list=[dict(parent.data)],
                        url=parent.data["url"], domain="i.redd.it")
        elif kind == "deleted":
            data.update(is_self=True, author="[deleted]", selftext="[deleted]",
                        removed_by_category="deleted")
        elif kind == "removed":
            data.update(is_self=True, selftext="[removed]", removed_by_category="moderator")
        post = Post(data=data)
        self.posts[pid] = post
        self.listings.setdefault(f"r/{subreddit}", []).insert(0, post)
        if author != "[deleted]" and data["author"] != "[deleted]":
            self.listings.setdefault(f"u/{data['author']}", []).insert(0, post)
        return post

    def _gallery(self, data: dict[str, Any]) -> None:
        pid = data["id"]
        items, metadata = [], {}
        for position in range(3):
            media_id = f"g{pid}x{position}"
            items.append({"media_id": media_id, "id": 100 + position, "caption": f"picture {position}"})
            if position == 1:
                # Reddit keeps a failed upload in the gallery with nothing to fetch.
                metadata[media_id] = {"status": "failed"}
                continue
            name = f"{media_id}.jpg"
            self.images.setdefault(name, len(self.images))
            source = f"{self.media_url}/p/{name}?width=640&format=pjpg&auto=webp&s=abc{position}"
            metadata[media_id] = {"status": "valid", "e": "Image", "m": "image/jpg", "id": media_id,
                                  "s": {"y": 48, "x": 64, "u": source},
                                  "p": [{"y": 24, "x": 32, "u": source + "&small=1"}]}
        # media_metadata is an object: its order says nothing, gallery_data gives the order.
        metadata = dict(reversed(list(metadata.items())))
        data.update(is_gallery=True, gallery_data={"items": items}, media_metadata=metadata,
                    url=f"https://www.reddit.com/gallery/{pid}", domain="reddit.com")

    def _video(self, data: dict[str, Any], *, audio: bool) -> None:
        vid = f"v{data['id']}"
        # Reddit has named its audio tracks in several ways; only the manifest says which.
        audio_name = ("DASH_AUDIO_128.mp4", "CMAF_AUDIO_128.mp4", "DASH_audio.mp4")[len(self.videos) % 3]
        self.videos[vid] = {"audio": audio, "audio_name": audio_name}
        video = {"bitrate_kbps": 1200, "fallback_url": f"{self.media_url}/v/{vid}/DASH_480.mp4?source=fallback",
                 "has_audio": audio, "height": 480, "width": 854, "duration": 1, "is_gif": False,
                 "dash_url": f"{self.media_url}/v/{vid}/DASHPlaylist.mpd?a=1&v=1&f=sd",
                 "hls_url": f"{self.media_url}/v/{vid}/HLSPlaylist.m3u8", "transcoding_status": "completed"}
        data.update(is_video=True, url=f"{self.media_url}/v/{vid}", domain="v.redd.it",
                    media={"reddit_video": video}, secure_media={"reddit_video": video})

    # --- comments ----------------------------------------------------------------------------

    def add_comments(self, post: Post, nodes: list[Node]) -> None:
        post.comments.extend(nodes)
        self._index(post.id, nodes, f"t3_{post.id}")
        post.data["num_comments"] = sum(node.size() for node in post.comments)

    def _index(self, post_id: str, nodes: list[Node], parent: str) -> None:
        for node in nodes:
            self.comment_index[node.id] = (post_id, node, parent)
            self._index(post_id, node.children, f"t1_{node.id}")

    def node(self, body: str = "", *, author: str = "commenter", children: list[Node] | None = None,
             score: int = 1) -> Node:
        cid = self.new_id()
        return Node(id=cid, author=author, body=body or f"comment {cid}", created_utc=self.tick(),
                    score=score, children=children or [])

    def big_tree(self, post: Post, *, top: int, fanout: int = 3, depth: int = 3,
                 chain: int = 0) -> int:
        """`top` top-level comments with `fanout` replies `depth` deep, and one reply chain
        `chain` deep (deeper than Reddit renders: "continue this thread"). Returns the count."""
        def grow(level: int) -> list[Node]:
            if level >= depth:
                return []
            return [self.node(children=grow(level + 1)) for _ in range(fanout)]

        nodes = [self.node(children=grow(1)) for _ in range(top)]
        if chain:
            tip = self.node("the deepest reply")
            for _ in range(chain - 1):
                tip = self.node(children=[tip])
            nodes.insert(0, tip)
        self.add_comments(post, nodes)
        return sum(node.size() for node in nodes)

    def delete_comment(self, comment_id: str) -> None:
        _, node, _ = self.comment_index[comment_id]
        node.author, node.body = "[deleted]", "[deleted]"


def _kind_for(index: int) -> str:
    for every, kind in ((31, "deleted"), (37, "removed"), (29, "crosspost"), (23, "video"),
                        (17, "gallery"), (7, "image"), (3, "link")):
        if index % every == every - 1:
            return kind
    return "self"


def _small_tree(corpus: Corpus, comments: int, index: int) -> list[Node]:
    if comments <= 0:
        return []
    return [corpus.node(f"top {n} of post {index}", children=[corpus.node(f"reply {n}")])
            for n in range(comments // 2 or 1)]
