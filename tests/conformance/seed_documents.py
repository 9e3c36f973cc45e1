"""The seed documents (tests/conformance/seeds/, copies of ../shared/seeds/) read at test time.

`json_blocks` finds every JSON value the text shows (a `{` or `[` opening a line, to its balanced
end); `curl_commands` finds every curl example with its method, path, headers and `-d` body. The
tables in seed_examples.py say what each block is; test_seed_documents.py checks that the tables
and the files agree, so a change to a seed shows up as a failing test rather than a stale table.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

SEEDS = Path(__file__).parent / "seeds"
# Elisions in the seeds' bodies (`"results": [...]`) stand for any content: read as empty.
ELISION = re.compile(r"\[\s*\.\.\.\s*\]")


def seed_text(number: str) -> str:
    (path,) = SEEDS.glob(f"{number}_*.txt")
    return path.read_text(encoding="utf-8")


def _balanced_end(text: str, start: int) -> int:
    depth, in_string, escaped = 0, False, False
    for index in range(start, len(text)):
        char = text[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
            if depth == 0:
                return index + 1
    raise ValueError(f"unbalanced JSON from offset {start}")


def json_blocks(text: str) -> list[Any]:
    """Every JSON value that opens a line of the document, in order, parsed."""
    found = []
    for match in re.finditer(r"^[ \t]*([\[{])", text, flags=re.M):
        start = match.start(1)
        if found and start < found[-1][1]:
            continue  # inside the previous block
        end = _balanced_end(text, start)
        found.append((start, end))
    return [json.loads(ELISION.sub("[]", text[start:end])) for start, end in found]


@dataclass(frozen=True)
class Curl:
    method: str
    path: str  # the URL's path (and query), without scheme and host
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None  # the `-d` JSON, parsed; None without one


def _curl_texts(text: str) -> list[str]:
    """Each curl command's text: its line and those a `\\` or an open quote carries on to."""
    lines, found = text.split("\n"), []
    for index, line in enumerate(lines):
        if not line.startswith("curl "):
            continue
        command = line
        while (command.rstrip().endswith("\\") or command.count("'") % 2) and index + 1 < len(lines):
            index += 1
            command = command.rstrip().removesuffix("\\") + "\n" + lines[index]
        # Seeds 001 and 002 run the next heading into the closing quote (`}'Response`).
        glued = re.search(r"""(['"])[A-Z][^'"]*$""", command)
        found.append(command[: glued.start() + 1] if glued else command)
    return found


def curl_commands(text: str) -> list[Curl]:
    """Every `curl …` example, read as a shell would: method, path, headers and `-d` body."""
    commands = []
    for command in _curl_texts(text):
        words = shlex.split(command)
        method, url, headers, body = "GET", "", {}, None
        index = 1
        while index < len(words):
            word = words[index]
            if word == "-X":
                method, index = words[index + 1], index + 2
            elif word == "-H":
                name, _, value = words[index + 1].partition(":")
                headers[name.strip()] = value.strip()
                index += 2
            elif word == "-d":
                body, index = json.loads(words[index + 1]), index + 2
            else:
                url, index = word, index + 1
        # Seed 002 writes its URLs relative to the schedules collection (`.../schedules`).
        parts = urlsplit(url if "://" in url else "https://host" + url.removeprefix("..."))
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        commands.append(Curl(method=method, path=path, headers=headers, body=body))
    return commands
