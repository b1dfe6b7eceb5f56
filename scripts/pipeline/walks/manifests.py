"""The Kubernetes objects a walk reads, each remembered with the file it came from.

Every error about an object names that object's file, so a build failure points at the
manifest to fix.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from scripts.pipeline.walks.model import WalkError, display


@dataclass(frozen=True)
class Obj:
    """One Kubernetes object and the file it was read from."""

    doc: dict
    path: Path

    @property
    def kind(self) -> str:
        return self.doc["kind"]

    @property
    def name(self) -> str:
        return self.doc["metadata"]["name"]

    @property
    def namespace(self) -> str:
        # Cluster-scoped kinds have none; "default" is what kubectl would use for the others.
        return self.doc["metadata"].get("namespace", "default")

    @property
    def spec(self) -> dict:
        return self.doc.get("spec") or {}

    @property
    def labels(self) -> dict[str, str]:
        return self.doc["metadata"].get("labels") or {}

    @property
    def annotations(self) -> dict[str, str]:
        return self.doc["metadata"].get("annotations") or {}

    @property
    def diagram_id(self) -> str:
        """The id convention of the diagrams: <kind-lowercase>-<metadata.name>."""
        return f"{self.kind.lower()}-{self.name}"

    @property
    def ref(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"

    def error(self, reason: str) -> WalkError:
        return WalkError(self.path, f"{self.ref}: {reason}")


def read_file(path: Path) -> list[Obj]:
    try:
        docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
    except OSError as exc:
        raise WalkError(path, f"cannot be read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise WalkError(path, f"YAML does not parse{where}") from None
    objects = []
    for doc in docs:
        if not (
            isinstance(doc, dict) and doc.get("kind") and (doc.get("metadata") or {}).get("name")
        ):
            raise WalkError(path, "a document lacks kind or metadata.name")
        objects.append(Obj(doc, path))
    return objects


class Manifests:
    """The objects in effect for one walk, looked up by kind, namespace and name."""

    def __init__(self, objects: Iterable[Obj], *, strict: bool = True) -> None:
        """strict: two objects with the same kind, namespace and name are an error (a walk
        needs one version of each); otherwise the first one is kept."""
        self.objects: list[Obj] = []
        seen: dict[tuple[str, str, str], Obj] = {}
        for obj in objects:
            key = (obj.kind, obj.namespace, obj.name)
            if key in seen and not strict:
                continue
            if key in seen:
                first = seen[key]
                raise WalkError(
                    obj.path,
                    f"{obj.ref} is also defined in {display(first.path)}: a walk needs one "
                    "version of each object, so list the files in effect under the walk's "
                    "`manifests:`",
                )
            seen[key] = obj
            self.objects.append(obj)

    @classmethod
    def from_files(cls, paths: Iterable[Path], *, strict: bool = True) -> Manifests:
        objects: list[Obj] = []
        for path in paths:
            objects += read_file(path)
        return cls(objects, strict=strict)

    def of_kind(self, kind: str, namespace: str | None = None) -> list[Obj]:
        return [
            o
            for o in self.objects
            if o.kind == kind and (namespace is None or o.namespace == namespace)
        ]

    def get(self, kind: str, namespace: str, name: str) -> Obj | None:
        for obj in self.objects:
            if obj.kind == kind and obj.namespace == namespace and obj.name == name:
                return obj
        return None

    def find(self, kind: str, name: str, namespace: str | None = None) -> Obj | None:
        """By name, in a namespace or (when the name is unique) in any."""
        matches = [o for o in self.of_kind(kind, namespace) if o.name == name]
        return matches[0] if len(matches) == 1 else None

    def namespace_labels(self, namespace: str) -> dict[str, str] | None:
        """The labels of a Namespace object in the manifests; None when it is not there."""
        obj = self.get("Namespace", "default", namespace)
        return None if obj is None else obj.labels


def selector_matches(selector: dict[str, str] | None, labels: dict[str, str]) -> bool:
    """A Service-style selector (a plain map): every key/value must be present.

    An empty or missing selector selects nothing here: a Service without a selector has no
    Pods behind it unless someone writes its EndpointSlices by hand (Kubernetes docs,
    Service, "Services without selectors").
    """
    if not selector:
        return False
    return all(labels.get(key) == value for key, value in selector.items())


def label_selector_matches(selector: dict | None, labels: dict[str, str]) -> bool:
    """A metav1.LabelSelector (matchLabels and matchExpressions); empty selects everything.

    Kubernetes docs, "Labels and Selectors": the requirements are ANDed; an empty
    selector matches every object.
    """
    if not selector:
        return True
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression["key"], expression["operator"]
        values = expression.get("values") or []
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True
