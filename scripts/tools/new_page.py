"""Scaffolds a new page: `make new-page SLUG=<slug> TITLE="<title>"`.

    python -m scripts.tools new-page SLUG TITLE

Writes, for one slug (see CONTRIBUTING.md, "One slug names everything"):
  docs/<slug>.md                    the page, following the page conventions
  diagrams/<slug>.py                its diagram script, drawing from the manifest
  docs/examples/<slug>/service-web.yaml
                                    one manifest the page includes and the diagram reads
  mkdocs.yml                        a nav entry, appended at the end of `nav:`

The result builds with `mkdocs build --strict` and passes `make test` as it stands, so a
contributor starts from a working state and changes one thing at a time. A bad or taken
slug is refused with one sentence before anything is written; if writing fails halfway,
everything written so far is removed and mkdocs.yml is restored.
"""

from __future__ import annotations

import json
import re
import sys
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from scripts.pipeline import site_config

ROOT = Path(__file__).resolve().parents[2]
# A slug is a file name, a URL path segment and a Kubernetes-style name all at once.
SLUG = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
MAX_SLUG = 40
MAX_TITLE = 70  # a longer <title> is cut off in search results
# Names the site already uses for something else: the home page, MkDocs' error page, the
# folders the build publishes or reads, the search index and the sitemap.
RESERVED = {"index", "404", "assets", "diagrams", "examples", "search", "sitemap", "overrides"}


class Refused(Exception):
    """The request cannot be carried out; the message is one sentence for the user."""


@dataclass(frozen=True)
class Planned:
    path: Path
    content: str


# --- what a new page starts as -------------------------------------------------------


def page_text(slug: str, title: str) -> str:
    description = (
        f"{title}: how a request reaches the web Pods through a Service, drawn and tested."
    )
    return f"""---
description: {json.dumps(description)}
---

# {title}

This page shows how a client Pod reaches the `web` Pods through a Service. After reading it
you can apply the example Service and find the stable address it gives those Pods.

!!! info "Before you start"
    - A running cluster and `kubectl` configured for it.
    - Pods labeled `app: web` that listen on port 8080 in your current namespace, for
      example the `web` Deployment of the [ClusterIP](clusterip.md) page.
    - Reference: [Service](https://kubernetes.io/docs/concepts/services-networking/service/).

## The picture

<figure class="diagram" markdown>
![A client Pod connects to the web Service on port 80, which forwards to one of two web Pods on port 8080.](diagrams/{slug}.svg)
<figcaption>The client talks to the Service's stable address; kube-proxy picks a Pod.</figcaption>
</figure>

## The manifest

The Service selects every Pod labeled `app: web` in its namespace and forwards its port 80
to the Pods' port 8080.

```yaml title="service-web.yaml"
--8<-- "docs/examples/{slug}/service-web.yaml"
```

```bash
kubectl apply -f https://k8s-networking-illustrated.github.io/k8s-networking-illustrated/examples/{slug}/service-web.yaml
```

```text title="Output"
service/web created
```

The Service's address comes from the cluster's Service range, so yours differs:

```bash
kubectl get service web
```

```text title="Output"
NAME   TYPE        CLUSTER-IP     EXTERNAL-IP   PORT(S)   AGE
web    ClusterIP   10.96.184.23   <none>        80/TCP    5s
```

!!! note
    The Service gets a virtual IP address from the cluster's Service range. The address
    answers TCP and UDP on the Service's ports only, so test it with an HTTP request, not
    with `ping`.

## The request, step by step

```mermaid
sequenceDiagram
    accTitle: A request through the web Service
    accDescr: A client Pod sends a request to the Service address, kube-proxy rules rewrite it to a web Pod, and the reply comes back through the same rules.
    participant C as Client Pod
    participant S as Service web
    participant P as web Pod
    C->>S: GET / on port 80
    S->>P: forwarded to port 8080
    P-->>C: 200 OK
```

## Clean up {{ #clean-up }}

```bash
kubectl delete service web
```

```text title="Output"
service "web" deleted
```

## What's next

- Go back to the [overview](index.md) and pick the next way traffic reaches a workload.
"""


def python_string(text: str) -> str:
    """A string literal the way `ruff format` writes it: double quotes unless that escapes more."""
    if '"' in text and "'" not in text:
        return repr(text)  # repr picks single quotes exactly in this case
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def diagram_text(slug: str, title: str) -> str:
    return f'''"""Diagram of the {slug} page: a client Pod reaches the web Pods through a Service."""

from _style import actor, edge, find, group, kube, manifests, page_diagram
from diagrams.k8s.compute import Pod
from diagrams.k8s.network import Service

docs = manifests({python_string(slug)})
service = find(docs, "Service")
name = service["metadata"]["name"]
port = service["spec"]["ports"][0]

with page_diagram({python_string(title)}), group("cluster"):
    # Stable ids (client, service-<name>, pod-<name>-1): kube() also links the Service's node
    # to its manifest on the page; the Pods have no manifest here, so they are actors.
    client = actor(Pod, "client", "client Pod")
    svc = kube(Service, service, f"{{name}}\\nport {{port['port']}}")
    client >> edge(f"{{name}}:{{port['port']}}") >> svc
    for index in (1, 2):
        pod = actor(Pod, f"pod-{{name}}-{{index}}", f"{{name}} Pod {{index}}\\n:{{port['targetPort']}}")
        svc >> edge("targetPort") >> pod
'''


MANIFEST = """---
# A ClusterIP Service: one stable virtual address in front of every Pod labeled
# app=web. Port 80 on the Service address leads to port 8080 in the Pods.
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: ClusterIP
  selector:
    app: web
  ports:
    - name: http
      protocol: TCP
      port: 80
      targetPort: 8080
"""


# --- checks --------------------------------------------------------------------------


def nav_files(items) -> set[str]:
    """Every page file the nav lists, at any depth."""
    found: set[str] = set()
    for item in items or []:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        found |= nav_files(value) if isinstance(value, list) else {str(value)}
    return found


def read_nav(config_text: str) -> set[str]:
    return nav_files(site_config.parse(config_text).get("nav"))


def check_slug(root: Path, slug: str, config_text: str) -> None:
    if not slug:
        raise Refused('No slug given: run make new-page SLUG=<slug> TITLE="<title>".')
    if not SLUG.match(slug):
        raise Refused(
            f"'{slug}' is not a valid slug: use lowercase letters, digits and single hyphens, "
            "starting with a letter (for example 'network-policy')."
        )
    if len(slug) > MAX_SLUG:
        raise Refused(f"'{slug}' is too long for a slug: keep it to {MAX_SLUG} characters.")
    if slug in RESERVED:
        raise Refused(f"'{slug}' is reserved for the site itself: choose another slug.")
    taken = [
        relative
        for relative in (f"docs/{slug}.md", f"diagrams/{slug}.py", f"docs/examples/{slug}")
        if (root / relative).exists()
    ]
    if f"{slug}.md" in read_nav(config_text):
        taken.append("the nav in mkdocs.yml")
    if taken:
        listed = ", ".join(taken[:-1]) + " and " + taken[-1] if len(taken) > 1 else taken[0]
        raise Refused(f"'{slug}' is already taken by {listed}: choose another slug.")


def check_title(title: str) -> None:
    if not title.strip():
        raise Refused('The title is empty: pass TITLE="Your page title".')
    if len(title) > MAX_TITLE or any(ch in title for ch in "\n\r\t") or not title.isprintable():
        raise Refused(f"The title must be one printable line of at most {MAX_TITLE} characters.")


def nav_entry_added(config_text: str, slug: str, title: str) -> str:
    """mkdocs.yml with `- "<title>": <slug>.md` appended as the last top-level nav item.

    Edited as text so comments and formatting stay as they are.
    """
    lines = config_text.splitlines(keepends=True)
    try:
        start = next(i for i, line in enumerate(lines) if re.match(r"^nav:\s*(#.*)?$", line))
    except StopIteration:
        raise Refused("mkdocs.yml has no top-level 'nav:' list to add the page to.") from None
    items = []  # indices of the nav block's own lines
    for index in range(start + 1, len(lines)):
        line = lines[index]
        if line.strip() and not line[0].isspace() and not line.startswith("#"):
            break  # the next top-level key
        if line.strip() and not line.lstrip().startswith("#"):
            items.append(index)
    top = [i for i in items if lines[i].lstrip().startswith("- ")]
    if not top:
        raise Refused("mkdocs.yml's 'nav:' list is empty or not a block list.")
    indent = min(len(lines[i]) - len(lines[i].lstrip()) for i in top)
    entry = f"{' ' * indent}- {json.dumps(title)}: {slug}.md\n"
    last = items[-1]
    if not lines[last].endswith("\n"):
        lines[last] += "\n"
    lines.insert(last + 1, entry)
    updated = "".join(lines)
    if f"{slug}.md" not in read_nav(updated):
        raise Refused("The nav entry could not be added to mkdocs.yml: add it by hand.")
    return updated


# --- plan, then write ---------------------------------------------------------------


def plan(root: Path, slug: str, title: str) -> list[Planned]:
    """Everything to write, checked first: raises Refused before any file is touched."""
    config = root / "mkdocs.yml"
    config_text = config.read_text(encoding="utf-8")
    title = title.strip()
    check_slug(root, slug, config_text)
    check_title(title)
    return [
        Planned(root / "docs" / "examples" / slug / "service-web.yaml", MANIFEST),
        Planned(root / "diagrams" / f"{slug}.py", diagram_text(slug, title)),
        Planned(root / "docs" / f"{slug}.md", page_text(slug, title)),
        Planned(config, nav_entry_added(config_text, slug, title)),  # last: the riskiest
    ]


def write_all(steps: list[Planned]) -> None:
    """Write every planned file, or none: on any error, undo what was done and re-raise."""
    created_files: list[Path] = []
    created_dirs: list[Path] = []
    originals: dict[Path, bytes] = {}
    try:
        for step in steps:
            missing = [p for p in [step.path.parent, *step.path.parent.parents] if not p.exists()]
            for directory in reversed(missing):
                directory.mkdir()
                created_dirs.append(directory)
            if step.path.exists():
                originals[step.path] = step.path.read_bytes()
            else:
                created_files.append(step.path)
            step.path.write_text(step.content, encoding="utf-8")
    except BaseException:
        _undo(originals, created_files, created_dirs)
        raise


def _undo(originals: dict[Path, bytes], files: list[Path], dirs: list[Path]) -> None:
    """Put back what write_all changed; each step on its own, so one failure stops none."""
    for path, content in originals.items():
        with suppress(OSError):
            path.write_bytes(content)
    for path in reversed(files):
        with suppress(OSError):  # e.g. the very path that could not be written
            path.unlink(missing_ok=True)
    for directory in reversed(dirs):
        with suppress(OSError):
            directory.rmdir()


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print('usage: make new-page SLUG=<slug> TITLE="<title>"', file=sys.stderr)
        return 2
    slug, title = args
    try:
        steps = plan(root, slug, title)
        write_all(steps)
    except Refused as refusal:
        print(f"new-page: {refusal}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"new-page: nothing was written, because {exc}.", file=sys.stderr)
        return 1
    for step in steps:
        print(
            f"{'updated' if step.path.name == 'mkdocs.yml' else 'created'} "
            f"{step.path.relative_to(root)}"
        )
    print(f"Next: `make serve`, open /{slug}/, then edit the page, manifest and diagram.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
