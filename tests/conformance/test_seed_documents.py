"""The seed documents as this suite reads them: the copies are the seeds, the tables fit the files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance.seed_documents import SEEDS, curl_commands, json_blocks, seed_text
from tests.conformance.seed_examples import SLOTS, examples

REPO = Path(__file__).resolve().parents[2]
# `../shared/seeds/` of SPEC 9, seen from the repository or from a worktree beside it.
SHARED = next((p for p in (REPO.parent / "shared" / "seeds", REPO.parent.parent / "shared" / "seeds")
               if p.is_dir()), None)


@pytest.mark.skipif(SHARED is None, reason="../shared/seeds is not beside this checkout")
def test_the_copies_are_the_seed_documents() -> None:
    assert SHARED is not None
    shared = {p.name: p.read_bytes() for p in SHARED.glob("*.txt")}
    ours = {p.name: p.read_bytes() for p in SEEDS.glob("*.txt")}
    assert ours == shared


@pytest.mark.parametrize("seed", sorted(SLOTS))
def test_every_json_block_of_every_seed_is_classified(seed: str) -> None:
    found = examples(seed)  # raises when the counts differ
    assert [e.body for e in found] == json_blocks(seed_text(seed))
    for example in found:
        # A request is an object of fields; an answer's shape is what the dialect must match.
        if example.slot.role == "request":
            assert isinstance(example.body, dict) and example.body


def test_the_curl_examples_are_read_with_their_methods_paths_and_bodies() -> None:
    counts = {seed: len(curl_commands(seed_text(seed))) for seed in SLOTS}
    assert counts == {"000": 4, "001": 4, "002": 2, "003": 0, "004": 12}
    bodies = [c.body for seed in SLOTS for c in curl_commands(seed_text(seed)) if c.body is not None]
    assert {"status": "paused"} in bodies and {"is_active": False} in bodies
    # The seeds' curl bodies are sent without a JSON Content-Type as often as with one.
    typed = [c for seed in SLOTS for c in curl_commands(seed_text(seed))
             if c.body is not None and c.headers.get("Content-Type") == "application/json"]
    assert 0 < len(typed) < len(bodies)
