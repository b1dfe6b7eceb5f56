/*
 * "Follow a packet": steps through the packet walks under an architecture diagram.
 *
 * The page already holds each walk as an ordered list (div.packet-walk, one <li> per hop),
 * readable without JavaScript, on paper and by screen readers, with the walk as JSON in
 * data-walk. This module adds, before the walks that follow one another under a diagram:
 * - a choice of walk (a <select>) when there are several; only the chosen walk's list shows;
 * - Previous and Next buttons; the arrow keys, Home and End do the same while focus is in
 *   the control;
 * - a panel, announced politely, with the current hop: where the packet is, source and
 *   destination before and after the hop, and what happened in one sentence.
 * The current <li> gets aria-current="step". On the diagram, the hop's node gets a halo,
 * the edge it arrived on is drawn thick, and the Kubernetes objects whose rules applied get
 * a dashed outline; a hop that drops or refuses the packet is drawn red. The colors are
 * CSS custom properties (walk.css), so a palette switch needs nothing from here.
 *
 * load-walk.js imports this module on pages with a walk and calls enhance() after every page
 * load, including Material's instant navigation.
 */

const SVG_NS = "http://www.w3.org/2000/svg";
const FAILED = Object.assign(Object.create(null), { dropped: "Dropped", refused: "Refused" });
const enhanced = new WeakSet();
let controls = 0;

function el(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) element.setAttribute(name, value);
  element.append(...children.filter((child) => child !== null && child !== ""));
  return element;
}

/** Adds a control before each run of walks that share a diagram. */
export function enhance(root = document) {
  let run = null;
  for (const box of root.querySelectorAll("div.packet-walk[data-walk]")) {
    if (enhanced.has(box)) continue;
    enhanced.add(box);
    let walk;
    try {
      walk = JSON.parse(box.dataset.walk);
    } catch (error) {
      console.error(`${box.id}: data-walk is not JSON`, error);
      continue;
    }
    if (!walk.hops || walk.hops.length === 0) continue;
    const entry = { box, walk };
    const last = run && run[run.length - 1];
    if (last && box.previousElementSibling === last.box && last.walk.diagram === walk.diagram) {
      run.push(entry);
    } else {
      if (run) build(run);
      run = [entry];
    }
  }
  if (run) build(run);
}

function build(walks) {
  const id = `packet-walk-control-${++controls}`;
  const diagram = walks[0].walk.diagram;
  let chosen = 0;
  let step = -1; // before the first Next: nothing highlighted

  const bar = el("div", { class: "pw-bar" }, el("span", { class: "pw-label", id: `${id}-label` }, "Follow a packet"));
  if (walks.length > 1) {
    const picker = el(
      "select",
      { id: `${id}-walk` },
      ...walks.map(({ walk }, index) => el("option", { value: String(index) }, walk.title)),
    );
    picker.addEventListener("change", () => choose(Number(picker.value)));
    bar.append(el("span", { class: "pw-pick" }, el("label", { for: `${id}-walk` }, "Walk"), picker));
  }
  const previous = el(
    "button",
    { type: "button", class: "pw-previous", "aria-keyshortcuts": "ArrowLeft" },
    el("span", { "aria-hidden": "true" }, "\u2190"),
    " Previous",
  );
  const next = el(
    "button",
    { type: "button", class: "pw-next", "aria-keyshortcuts": "ArrowRight" },
    "Next ",
    el("span", { "aria-hidden": "true" }, "\u2192"),
  );
  const panel = el("div", { class: "pw-panel", "aria-live": "polite", "aria-atomic": "true" });
  const control = el(
    "div",
    { class: "pw-control", id, role: "group", "aria-labelledby": `${id}-label`, "data-diagram": diagram },
    bar,
    el("div", { class: "pw-buttons" }, previous, next),
    panel,
  );
  walks[0].box.before(control);

  previous.addEventListener("click", () => go(step - 1));
  next.addEventListener("click", () => go(step + 1));
  control.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (event.target instanceof HTMLSelectElement) return; // its own arrow keys
    const last = walks[chosen].walk.hops.length - 1;
    const target = { ArrowRight: step + 1, ArrowLeft: step - 1, Home: 0, End: last }[event.key];
    if (target === undefined) return;
    event.preventDefault();
    go(target);
  });

  function choose(index) {
    hopItems().forEach(unmark);
    chosen = index;
    step = 0;
    render();
  }

  function go(target) {
    const hops = walks[chosen].walk.hops;
    if (target < 0 || target >= hops.length || target === step) return;
    hopItems().forEach(unmark);
    step = target;
    render();
  }

  function hopItems() {
    return walks[chosen].walk.hops.map((hop) => document.getElementById(hop.item)).filter(Boolean);
  }

  function render() {
    const { walk } = walks[chosen];
    walks.forEach(({ box }, index) => box.classList.toggle("pw-off", index !== chosen));
    previous.setAttribute("aria-disabled", String(step <= 0));
    next.setAttribute("aria-disabled", String(step >= walk.hops.length - 1));
    const hop = walk.hops[step];
    control.classList.toggle("pw-active", Boolean(hop));
    if (!hop) {
      panel.replaceChildren(
        el("p", { class: "pw-where" }, `${walk.hops.length} hops. Next shows the first; the arrow keys step too.`),
      );
      return;
    }
    const item = document.getElementById(hop.item);
    if (item) {
      item.setAttribute("aria-current", "step");
      item.classList.add("pw-current");
    }
    const objects = highlight(diagram, hop);
    panel.classList.toggle("pw-failed", hop.outcome in FAILED);
    panel.replaceChildren(...describe(hop, step, walk.hops.length, item, objects));
  }

  render();
}

function unmark(item) {
  item.removeAttribute("aria-current");
  item.classList.remove("pw-current");
}

// --- the panel -------------------------------------------------------------------------

function describe(hop, index, total, item, objects) {
  const reply = hop.direction === "reply" ? " (reply)" : "";
  const where = el(
    "p",
    { class: "pw-where" },
    el("span", { class: "pw-count" }, `Step ${index + 1} of ${total}: `),
    el("strong", {}, hop.place + reply),
  );
  const ending = ["delivered", "dropped", "refused"].includes(hop.outcome) ? `is ${hop.outcome} here` : "ends here";
  const packets = el(
    "dl",
    { class: "pw-packets" },
    row("Before", hop.arriving, null, "starts here"),
    row("After", hop.leaving, hop.arriving, ending),
  );
  const what = el(
    "p",
    { class: "pw-what" },
    hop.outcome in FAILED ? el("strong", { class: "pw-outcome" }, `${FAILED[hop.outcome]}. `) : null,
    sentence(hop, item, FAILED[hop.outcome]),
  );
  const parts = [where, packets, what];
  if (objects.length) parts.push(el("p", { class: "pw-objects" }, `Rules applied: ${objects.join(", ")}.`));
  return parts;
}

function row(label, packet, before, none) {
  const value = el("dd", {});
  if (!packet) {
    value.append(el("span", { class: "pw-none" }, `(the packet ${none})`));
  } else {
    // A rewritten address is marked, unless the packet is the answer (addresses swapped).
    const answer = before && packet.src === before.dst && packet.dst === before.src;
    const address = (text, old) => {
      const changed = before && !answer && text !== old;
      return el(
        "code",
        { class: changed ? "pw-address pw-changed" : "pw-address" },
        text,
        changed ? el("span", { class: "pw-sr" }, " (changed)") : null,
      );
    };
    const detail = packet.what ? `${packet.proto}, ${packet.what}` : packet.proto;
    value.append(
      address(packet.src, before && before.src),
      " \u2192 ",
      address(packet.dst, before && before.dst),
      " ",
      el("span", { class: "pw-detail" }, `(${detail})`),
    );
  }
  return el("div", {}, el("dt", {}, label), value);
}

/** What happened: the hop's short notes, or else the first sentence of its list item
 * (after the outcome word the panel shows in red: "Dropped.", "Refused."). */
function sentence(hop, item, outcome) {
  let text = hop.steps.map((step) => step.short).filter(Boolean).join(", ");
  if (outcome) text = text.replace(new RegExp(`^${outcome}\\b[:,.]?\\s*`, "i"), "");
  if (text) return `${text[0].toUpperCase()}${text.slice(1)}.`;
  if (!item) return "";
  const copy = item.cloneNode(true);
  copy.querySelectorAll(".packet-walk-where, .packet-walk-outcome, .packet-walk-packets").forEach((part) => part.remove());
  const full = copy.textContent.replace(/\s+/g, " ").replace(/^\s*:\s*/, "").trim();
  const first = full.match(/^.*?[.!?](?=\s+[A-Z(]|$)/);
  return first ? first[0] : full;
}

// --- the diagram -----------------------------------------------------------------------

/** Highlights the hop on its diagram; returns the names of the objects outlined. */
function highlight(diagram, hop) {
  const svg = document.querySelector(`svg[data-diagram="${CSS.escape(diagram)}"]`);
  if (!svg) return [];
  svg.querySelectorAll(".pw-halo").forEach((halo) => halo.remove());
  svg.querySelectorAll(".pw-node, .pw-edge, .pw-object").forEach((element) =>
    element.classList.remove("pw-node", "pw-edge", "pw-object", "pw-failed"),
  );
  const find = (name) => (name ? svg.querySelector(`#${CSS.escape(`${diagram}--${name}`)}`) : null);
  const failed = hop.outcome in FAILED;
  const node = find(hop.node);
  const edge = find(hop.edge);
  if (edge) {
    edge.classList.add("pw-edge");
    edge.classList.toggle("pw-failed", failed);
  }
  const names = [];
  for (const name of hop.objects || []) {
    const object = find(name);
    if (!object || object === node) continue;
    object.classList.add("pw-object");
    halo(object, 4);
    const title = object.querySelector(":scope > title");
    if (title && title.textContent.trim()) names.push(title.textContent.trim());
  }
  if (node) {
    node.classList.add("pw-node");
    node.classList.toggle("pw-failed", failed);
    halo(node, 6);
  }
  reveal(svg, node || edge);
  return names;
}

function halo(node, pad) {
  const box = node.getBBox();
  if (!box.width && !box.height) return; // not laid out (a hidden picture)
  const rect = document.createElementNS(SVG_NS, "rect");
  const attributes = {
    class: "pw-halo",
    x: box.x - pad,
    y: box.y - pad,
    width: box.width + 2 * pad,
    height: box.height + 2 * pad,
    rx: 8,
    "aria-hidden": "true",
  };
  for (const [name, value] of Object.entries(attributes)) rect.setAttribute(name, String(value));
  node.prepend(rect); // first: drawn behind the node
}

/** A picture wider than its box scrolls sideways: bring the highlighted part into view. */
function reveal(svg, target) {
  const box = svg.parentElement;
  if (!target || !box || box.scrollWidth <= box.clientWidth + 1) return;
  const outer = box.getBoundingClientRect();
  const inner = target.getBoundingClientRect();
  if (inner.left >= outer.left && inner.right <= outer.right) return;
  box.scrollLeft += inner.left + inner.width / 2 - (outer.left + outer.width / 2);
}
