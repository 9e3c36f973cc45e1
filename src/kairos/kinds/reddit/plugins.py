"""Post-processors: `plugins: ["name", …]` run in order on each post before it is stored.

A plugin is a function `(post, config) -> post` registered under the `kairos.plugins` entry point
group (built-ins ship in builtin_plugins.py). `post` is the post's item with its `comments`;
`config` is the job's `config`. Names are checked when a schedule or job is made, so an unknown
one is a 400 then, not a failed run later.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Mapping
from functools import lru_cache
from importlib.metadata import entry_points
from typing import Any

log = logging.getLogger(__name__)
Plugin = Callable[[dict[str, Any], Mapping[str, Any]], dict[str, Any]]
GROUP = "kairos.plugins"


@lru_cache(maxsize=1)
def available() -> dict[str, Plugin]:
    """Every plugin installed, by name (entry points are read once per process)."""
    found: dict[str, Plugin] = {}
    for point in entry_points(group=GROUP):
        try:
            found[point.name] = point.load()
        except Exception:
            log.exception("could not load the plugin %s", point.name)
    return found


def unknown(names: list[str]) -> list[str]:
    known = available()
    return [name for name in names if name not in known]


# Set by the store when the post is read back: a plugin's value would hide the real one.
RESERVED = ("first_seen_at", "last_seen_at")
# The fields every reader relies on, with the types they must keep.
CORE: dict[str, tuple[type, ...]] = {
    "id": (str,), "name": (str,), "title": (str,), "score": (int,), "num_comments": (int,),
    "subreddit": (str, type(None)), "author": (str, type(None)), "created_utc": (str, type(None)),
    "comments": (list,), "media": (list,),
}


def run_plugins(names: list[str], post: dict[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    """Run each plugin in turn; one that raises leaves the post as it was and says so in it. A
    plugin may add fields, but not the reserved ones (dropped), and a core field it removes or
    gives the wrong type (a null score) gets its value back, with a note in `plugin_errors`."""
    plugins = available()
    for name in names:
        # A plugin may edit the post in place: what it started from is kept whole, to go back to.
        before = copy.deepcopy(post)
        try:
            changed = plugins[name](post, config)
        except Exception as exc:
            post = before
            post.setdefault("plugin_errors", []).append(f"{name}: {exc.__class__.__name__}: {exc}")
            continue
        post = _checked(name, changed if isinstance(changed, dict) else post, before)
    return post


def _checked(name: str, post: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    for key in RESERVED:
        post.pop(key, None)
    for key, types in CORE.items():
        if key in before and not isinstance(post.get(key), types):
            post[key] = before[key]
            post.setdefault("plugin_errors", []).append(
                f"{name}: {key} must stay {' or '.join(t.__name__ for t in types)}; Reddit's value was kept")
    return post
