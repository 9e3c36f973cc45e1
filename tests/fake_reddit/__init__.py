"""A fake Reddit served by real local HTTP servers, speaking Reddit's JSON shapes (tests only)."""

from tests.fake_reddit.corpus import Corpus, Node
from tests.fake_reddit.server import FakeReddit

__all__ = ["Corpus", "FakeReddit", "Node"]
