"""Two views of one walk: an HTML ordered list (no JavaScript needed, printed as is, read by
screen readers) carrying the walk as JSON for the step-through control, and a Mermaid
sequence diagram."""

from __future__ import annotations

import html
import json
import re

from scripts.pipeline.walks.model import Hop, Outcome, Packet, Walk, WalkError

OUTCOME_WORDS = {Outcome.DROPPED: "Dropped", Outcome.REFUSED: "Refused"}
MAX_PARTICIPANTS = 6  # CONTRIBUTING.md, Mermaid blocks: at most six, so the diagram fits a phone
# Background of each walk's section in a combined sequence: the diagrams' palette
# (diagrams/_style.py: request blue, source-kept green, dropped red), lightly tinted.
SECTION_COLORS = ("rgba(21, 101, 192, 0.14)", "rgba(46, 125, 50, 0.14)")
FAILED_COLOR = "rgba(198, 40, 40, 0.14)"


def _packet_text(packet: Packet) -> str:
    detail = f"{packet.proto}" + (f", {packet.what}" if packet.what else "")
    return f"{packet.src} → {packet.dst} ({detail})"


def _steps_text(hop: Hop) -> str:
    return " ".join(step.text for step in hop.steps)


def _packets_text(hop: Hop) -> str:
    parts = []
    if hop.arriving is not None:
        parts.append(f"Arrives: {_packet_text(hop.arriving)}.")
    if hop.leaving is not None:
        parts.append(f"Leaves: {_packet_text(hop.leaving)}.")
    return " ".join(parts)


def hop_text(hop: Hop) -> str:
    """The hop as plain text: what happened, then the packet in and out (what its list item
    reads, line breaks aside)."""
    return " ".join(part for part in (_steps_text(hop), _packets_text(hop)) if part)


def render_html(walk: Walk) -> str:
    """One block of raw HTML (no blank line inside, so Markdown keeps it as it is)."""
    # In a single-quoted attribute, JSON's double quotes need no escaping; `'`, `&`, `<` and
    # `>` do. The browser hands the control the JSON unchanged (element.dataset.walk).
    data = html.escape(
        json.dumps(walk.to_json(), ensure_ascii=False, separators=(",", ":")), quote=False
    ).replace("'", "&#39;")
    opening = (
        f'<div class="packet-walk" id="{walk.dom_id}" data-walk-slug="{walk.slug}" '
        f'data-walk-variant="{walk.variant}" data-walk-outcome="{walk.outcome.value}" '
        f"data-walk='{data}'>"
    )
    title = (
        f'<p class="packet-walk-title" id="{walk.dom_id}-title"><strong>Follow a packet:'
        f"</strong> {html.escape(walk.title)}</p>"
    )
    lines = [
        opening,
        title,
        f'<ol class="packet-walk-hops" aria-labelledby="{walk.dom_id}-title">',
    ]
    for hop in walk.hops:
        failed = hop.outcome in OUTCOME_WORDS
        classes = "packet-walk-hop" + (f" packet-walk-{hop.outcome.value}" if failed else "")
        attributes = (
            f'id="{walk.dom_id}-hop-{hop.index}" class="{classes}" data-node="{hop.node_id}" '
            f'data-edge="{hop.edge_id or ""}" data-direction="{hop.direction}" '
            f'data-outcome="{hop.outcome.value}"'
        )
        marker = (
            f'<strong class="packet-walk-outcome">{OUTCOME_WORDS[hop.outcome]}.</strong> '
            if failed
            else ""
        )
        reply = " (reply)" if hop.direction == "reply" else ""
        packets = _packets_text(hop)
        packets = (
            f' <br><span class="packet-walk-packets">{html.escape(packets)}</span>'
            if packets
            else ""
        )
        lines.append(
            f'<li {attributes}><strong class="packet-walk-where">{html.escape(hop.place)}'
            f"{reply}</strong>: {marker}{html.escape(_steps_text(hop))}{packets}</li>"
        )
    lines += ["</ol>", "</div>"]
    return "\n".join(lines)


# --- Mermaid ----------------------------------------------------------------------------------

UNSAFE = re.compile(r"[<>;#]")


def _safe(text: str) -> str:
    """Mermaid sequence text may not hold `<` (CONTRIBUTING.md: the fence does not escape
    HTML), `;` (a statement separator) or `#` (starts an entity code)."""
    return UNSAFE.sub(lambda m: {";": ",", "#": "no. ", "<": "", ">": ""}[m.group()], text)


def _label(packet: Packet) -> str:
    if packet.proto in ("UDP", "ARP") and packet.what:
        return packet.what
    return f"{packet.src} → {packet.dst}"


def _note(hop: Hop) -> str:
    shorts = [step.short for step in hop.steps if step.short]
    if hop.outcome in OUTCOME_WORDS and not shorts:
        shorts = [OUTCOME_WORDS[hop.outcome].lower()]
    return ", ".join(shorts)


def render_sequence(walks: list[Walk], *, indent: str = "    ") -> str:
    """The Mermaid `sequenceDiagram` source of one walk, or several in tinted sections."""
    participants: dict[str, str] = {}  # node id -> alias
    labels: dict[str, str] = {}
    for walk in walks:
        for hop in walk.hops:
            if hop.node_id not in participants:
                participants[hop.node_id] = f"P{len(participants) + 1}"
                labels[hop.node_id] = hop.place
    if len(participants) > MAX_PARTICIPANTS:
        raise WalkError(
            walks[0].topology,
            f"the sequence for {', '.join(w.variant for w in walks)} would have "
            f"{len(participants)} participants; at most {MAX_PARTICIPANTS} fit a phone",
        )
    title = ", then ".join(w.title for w in walks)
    description = " ".join(_describe(w) for w in walks)
    lines = [
        "sequenceDiagram",
        f"{indent}accTitle: {_safe(title)}",
        f"{indent}accDescr: {_safe(description)}",
    ]
    for node_id, alias in participants.items():
        lines.append(f"{indent}participant {alias} as {_safe(labels[node_id])}")
    first, last = next(iter(participants.values())), list(participants.values())[-1]
    for number, walk in enumerate(walks):
        inner = indent
        if len(walks) > 1:
            color = FAILED_COLOR if walk.failed else SECTION_COLORS[number % 2]
            lines.append(f"{indent}rect {color}")
            inner = indent * 2
            lines.append(f"{inner}Note over {first},{last}: {_safe(walk.title)}")
        lines += _messages(walk, participants, inner)
        if len(walks) > 1:
            lines.append(f"{indent}end")
    return "\n".join(lines)


def _messages(walk: Walk, participants: dict[str, str], indent: str) -> list[str]:
    lines = []
    previous: Hop | None = None
    for hop in walk.hops:
        here = participants[hop.node_id]
        if previous is not None and previous.node_id != hop.node_id and hop.arriving is not None:
            there = participants[previous.node_id]
            if hop.outcome == Outcome.DROPPED:
                arrow = "-x"
            else:
                # Answers (replies, DNS and ARP answers) are dotted, as in the site's sequences.
                arrow = "-->>" if hop.edge_reverse or hop.direction == "reply" else "->>"
            lines.append(f"{indent}{there}{arrow}{here}: {_safe(_label(hop.arriving))}")
        note = _note(hop)
        if note:
            lines.append(f"{indent}Note over {here}: {_safe(note)}")
        if (
            hop.outcome == Outcome.REFUSED
            and previous is not None
            and previous.node_id != hop.node_id
        ):
            # The refusal travels back to the sender: an error status or a reset.
            answer = hop.steps[-1].short if hop.steps and hop.steps[-1].short else "refused"
            lines.append(f"{indent}{here}--x{participants[previous.node_id]}: {_safe(answer)}")
        previous = hop
    return lines


def _describe(walk: Walk) -> str:
    """accDescr: the walk in one line, hop by hop (the list under the picture has the rest)."""
    parts = []
    for hop in walk.hops:
        note = _note(hop) or (hop.steps[0].text.rstrip(".") if hop.steps else "")
        parts.append(f"{hop.index}. {hop.place}: {note}.")
    return f"Follow a packet, {walk.title}: " + " ".join(parts)
