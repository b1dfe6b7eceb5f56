"""The data a packet walk is made of: addresses, packets, steps, hops and the walk itself.

A walk is an ordered list of hops. Each hop is one place the packet passes (a client, a
cloud load balancer, a node's kernel with kube-proxy's rules, CoreDNS, a controller Pod, a
proxy, the app container) with the packet as it arrives and as it leaves, and the steps that
place applied to it (a DNAT, a route match, an mTLS unwrap, a drop). Each hop also names the
diagram element it belongs to (`node_id`) and the diagram edge the packet travelled to get
there (`edge_id`), so one walk drives the ordered list in the HTML, the Mermaid sequence and
the highlighting in the picture.

Everything here is plain data: the rules that fill it in live in services.py, ingress.py,
gateway.py and mesh.py.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


class WalkError(ValueError):
    """A walk that cannot be computed. The message is one line: `<file>: <reason>`."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = display(path)
        self.reason = " ".join(reason.split())  # one line, whatever the reason's source
        super().__init__(f"{self.path}: {self.reason}")


def display(path: Path | str) -> str:
    """A path relative to the project root when it lies inside it."""
    path = Path(path)
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return path.as_posix()


@dataclass(frozen=True)
class Addr:
    """An address and, for TCP and UDP, a port."""

    ip: str
    port: int | None = None

    def __str__(self) -> str:
        return self.ip if self.port is None else f"{self.ip}:{self.port}"


@dataclass(frozen=True)
class Packet:
    """What travels between two hops: addresses, protocol and a short description.

    `proto` is the layer that matters at that point (TCP, UDP, ARP, HTTP, HTTPS, mTLS);
    `what` says what is inside ("SYN", "GET /hostname, Host: www.example.com", "A? web...").
    """

    src: Addr
    dst: Addr
    proto: str = "TCP"
    what: str = ""

    def __str__(self) -> str:
        return f"{self.src} → {self.dst}"

    @property
    def proto_l4(self) -> str:
        """The transport protocol underneath (what NetworkPolicy ports name): HTTP, HTTPS and
        mTLS travel over TCP."""
        return self.proto if self.proto in ("UDP", "SCTP") else "TCP"

    def to_json(self) -> dict:
        return {"src": str(self.src), "dst": str(self.dst), "proto": self.proto, "what": self.what}


class Outcome(str, enum.Enum):
    """What a hop does with the packet in the end."""

    FORWARDED = "forwarded"  # passed on to the next hop
    DELIVERED = "delivered"  # reached the application (the last hop of a successful walk)
    DROPPED = "dropped"  # silently discarded: the sender times out
    REFUSED = "refused"  # answered with an error (a reset, an HTTP 403 or 500)


# The kinds of step a hop can apply; the renderers and the future JS control read them.
STEP_KINDS = frozenset(
    {
        "send",  # a client or proxy opens a connection or sends a request
        "dns-query",
        "dns-answer",
        "arp-request",
        "arp-reply",
        "dnat",  # destination rewritten (kube-proxy, a load balancer)
        "snat",  # source rewritten (masquerade)
        "un-nat",  # a reply's addresses restored from connection tracking
        "no-nat",  # rules were consulted and changed nothing
        "forward",  # routed on unchanged
        "route",  # a routing table or bridge picks the way out
        "encapsulate",  # wrapped in an outer packet (VXLAN) between two nodes
        "decapsulate",
        "policy-allow",  # a NetworkPolicy allows the connection in this direction
        "health-check",
        "l7-match",  # a host/path/header rule was chosen
        "weighted-choice",
        "endpoint-choice",
        "reference-check",  # a cross-namespace reference was allowed or not
        "set-header",  # a proxy adds or rewrites a request header
        "tls-terminate",
        "tls-originate",  # a proxy opens TLS of its own towards the backend
        "new-connection",  # a proxy opens its own connection onwards
        "capture",  # iptables in the Pod hands the connection to the sidecar
        "mtls-wrap",
        "mtls-unwrap",
        "authz-allow",
        "authz-deny",
        "deliver",
        "reply",
        "drop",
        "refuse",
    }
)


@dataclass(frozen=True)
class Step:
    """One thing a hop does, in one sentence, with the source that documents the behavior."""

    kind: str
    text: str
    source: str
    short: str = ""  # a few words for the Mermaid note ("DNAT to 10.244.2.9:8080")

    def __post_init__(self) -> None:
        if self.kind not in STEP_KINDS:
            raise ValueError(f"unknown step kind {self.kind!r}")

    def to_json(self, with_text: bool = True) -> dict:
        data = {"kind": self.kind, "short": self.short, "source": self.source}
        if with_text:
            data["text"] = self.text
        return data


@dataclass(frozen=True)
class Hop:
    index: int  # 1-based position in the walk
    place: str  # who handles the packet, for a reader: "node-3's kernel (kube-proxy rules)"
    node_id: str  # diagram element id of that place
    edge_id: str | None  # diagram edge the packet travelled to get here (None: same place)
    direction: str  # "request" or "reply"
    arriving: Packet | None  # None for the hop that creates the packet
    leaving: Packet | None  # None when the packet ends here (delivered, dropped, refused)
    steps: tuple[Step, ...]
    outcome: Outcome
    objects: tuple[str, ...] = ()  # diagram ids of the Kubernetes objects whose rules applied
    edge_reverse: bool = False  # the packet ran along edge_id against its drawn direction
    place_id: str = ""  # the conventional id of the place, before any diagram_ids alias

    def to_json(self, walk_id: str = "") -> dict:
        return {
            "index": self.index,
            "item": f"{walk_id}-hop-{self.index}",  # the id of the hop's <li> in the page
            "place": self.place,
            "node": self.node_id,
            "place_id": self.place_id,
            "edge": self.edge_id,
            "edge_reverse": self.edge_reverse,
            "direction": self.direction,
            "arriving": self.arriving.to_json() if self.arriving else None,
            "leaving": self.leaving.to_json() if self.leaving else None,
            # The steps' sentences are in the page's list item; the control needs the rest.
            "steps": [s.to_json(with_text=False) for s in self.steps],
            "outcome": self.outcome.value,
            "objects": list(self.objects),
        }


@dataclass(frozen=True)
class Walk:
    slug: str  # the examples folder (and diagram script) the walk belongs to
    variant: str
    title: str
    hops: tuple[Hop, ...]
    expect: Outcome  # what the topology declares: delivered, or the failure the page shows
    topology: str  # the topology file, for messages

    @property
    def dom_id(self) -> str:
        return f"walk-{self.slug}-{self.variant}"

    @property
    def outcome(self) -> Outcome:
        return self.hops[-1].outcome

    @property
    def failed(self) -> bool:
        return self.outcome in (Outcome.DROPPED, Outcome.REFUSED)

    def to_json(self) -> dict:
        return {
            "id": self.dom_id,
            "slug": self.slug,
            "variant": self.variant,
            "diagram": self.slug,
            "title": self.title,
            "outcome": self.outcome.value,
            "hops": [h.to_json(self.dom_id) for h in self.hops],
        }


def edge_id(source: str, target: str) -> str:
    """The id convention the diagrams use: edge-<from>-<to>."""
    return f"edge-{source}-{target}"


@dataclass
class WalkBuilder:
    """Collects hops in order; computes edge ids from consecutive places."""

    slug: str
    variant: str
    # Diagram ids that differ from the convention: {conventional id: id in the picture}, for
    # places and for edges (diagram_ids in walk-topology.yml).
    aliases: dict[str, str] = field(default_factory=dict)
    hops: list[Hop] = field(default_factory=list)
    # The request edges already travelled, so that a reply names the drawn (request) edge.
    _request_edges: dict[tuple[str, str], str] = field(default_factory=dict)

    def add(
        self,
        place: str,
        node_id: str,
        *,
        arriving: Packet | None,
        leaving: Packet | None,
        steps: list[Step],
        outcome: Outcome = Outcome.FORWARDED,
        direction: str = "request",
        objects: tuple[str, ...] | list[str] = (),
    ) -> Hop:
        place_id, node_id = node_id, self.aliases.get(node_id, node_id)
        previous = self.hops[-1].node_id if self.hops else None
        edge, reverse = None, False
        if previous is not None and previous != node_id:
            if (node_id, previous) in self._request_edges:
                # An answer (a reply, a DNS or ARP answer) runs back along the edge its request
                # took: the diagram draws that edge once, in the request's direction.
                edge, reverse = self._request_edges[(node_id, previous)], True
            else:
                edge = edge_id(previous, node_id)
                edge = self.aliases.get(edge, edge)
                self._request_edges.setdefault((previous, node_id), edge)
        hop = Hop(
            index=len(self.hops) + 1,
            place=place,
            node_id=node_id,
            edge_id=edge,
            direction=direction,
            arriving=arriving,
            leaving=leaving,
            steps=tuple(steps),
            outcome=outcome,
            objects=tuple(dict.fromkeys(objects)),
            edge_reverse=reverse,
            place_id=place_id,
        )
        self.hops.append(hop)
        return hop

    @property
    def last_leaving(self) -> Packet | None:
        return self.hops[-1].leaving if self.hops else None
