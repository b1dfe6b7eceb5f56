"""What every manifests_* module shares: the project root and the one-line Problem."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Problem:
    path: Path
    rule: str
    message: str

    def __str__(self) -> str:
        # One line naming the file and the cause, whatever the cause's own text looks like.
        cause = " ".join(self.message.split())
        return f"{display(self.path)}: {cause} [{self.rule}]"


def display(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return path.as_posix()


def label(doc: dict) -> str:
    name = (doc.get("metadata") or {}).get("name", "?") if isinstance(doc, dict) else "?"
    return f"{doc.get('kind', '?')}/{name}" if isinstance(doc, dict) else "?"


def group_of(doc: dict) -> str:
    api_version = doc["apiVersion"]
    return api_version.split("/")[0] if "/" in api_version else ""
