"""The "Follow a packet" control under the architecture diagrams, in Chromium.

Each page with a packet walk holds it as an ordered list (one <li> per hop) carrying the walk
as JSON in data-walk; docs/assets/javascripts/walk.js adds, before the walks under one
diagram, a choice of walk, Previous and Next (and the arrow keys) and a panel with the
current hop, and highlights the hop's node and edge on the diagram.

1. Without JavaScript, in print and for screen readers the walk is the list: its items are
   the walk's hops, in order, with the JSON's node, edge, direction and outcome.
2. Every hop names a node (and, after the first, an edge) the page's diagram draws.
3. The keyboard drives the control: Tab reaches it, ArrowRight/ArrowLeft, Home/End and the
   buttons step; the highlighted node and edge are the current <li>'s data-node and
   data-edge, and the panel shows the hop's source and destination before and after.
4. Choosing another walk shows only its list and starts it; failed hops are red.
5. axe-core finds nothing with the control active, in both palettes; the highlight keeps
   3:1 against the diagram's background and group fills; a palette switch keeps the step.
6. Pages without a walk never download the control, across instant navigation too; the
   script stays under 10 KB gzip-compressed.

Screenshots of the control (light and dark, 1280 px and a 390 px phone) land in
build/screenshots/walk/ for a person to look at.
"""

from __future__ import annotations

import json
import re

import pytest
from bs4 import BeautifulSoup

from tests.conftest import DOCS
from tests.support import browser as bs
from tests.support.site_pages import walk_script_gzip_bytes

SHOTS = bs.SCREENSHOTS / "walk"
WALK_SCRIPT_GZIP_LIMIT = 10 * 1024
HIGHLIGHT_CONTRAST_MIN = 3.0
FAILED = {"dropped", "refused"}
CONTROL = ".pw-control"
WALK_SCRIPT = "/assets/javascripts/walk.js"
VIEWPORTS = bs.PICTURE_FORMS
# The page the control is driven on: four walks (Cluster, Local, one dropped) on one diagram.
NODEPORT = "nodeport"


def walk_pages() -> list[str]:
    """Pages whose Markdown asks for a walk ({{ walk("slug", "variant") }})."""
    return sorted(
        path.stem
        for path in DOCS.glob("*.md")
        if re.search(r"\{\{\s*walk\(", path.read_text(encoding="utf-8"))
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "slug" in metafunc.fixturenames:
        slugs = walk_pages()
        metafunc.parametrize("slug", slugs, ids=slugs)


def soup_of(site, slug: str) -> BeautifulSoup:
    html = (site / bs.page_path(slug) / "index.html").read_text(encoding="utf-8")
    return BeautifulSoup(html, "html.parser")


def walks_of(soup: BeautifulSoup) -> list[tuple[dict, object]]:
    return [(json.loads(box["data-walk"]), box) for box in soup.select("div.packet-walk")]


# --- the list: the walk without JavaScript ------------------------------------------------


def test_list_items_are_the_walks_hops(site, slug):
    walks = walks_of(soup_of(site, slug))
    assert walks, f"docs/{slug}.md asks for a walk; the built page has no div.packet-walk"
    for walk, box in walks:
        label = f"{slug}: {walk['id']}"
        assert box.get("id") == walk["id"], f"{label}: the box's id is {box.get('id')}"
        items = box.select("ol.packet-walk-hops > li")
        hops = walk["hops"]
        assert len(items) == len(hops), f"{label}: {len(items)} list items, {len(hops)} hops"
        for item, hop in zip(items, hops, strict=True):
            where = f"{label} hop {hop['index']}"
            assert item.get("id") == hop["item"], f"{where}: <li id={item.get('id')}> out of order"
            assert item.get("data-node") == hop["node"], f"{where}: data-node"
            assert item.get("data-edge") == (hop["edge"] or ""), f"{where}: data-edge"
            assert item.get("data-direction") == hop["direction"], f"{where}: data-direction"
            assert item.get("data-outcome") == hop["outcome"], f"{where}: data-outcome"
            failed = {f"packet-walk-{o}" for o in FAILED} & set(item.get("class", []))
            expected = {f"packet-walk-{hop['outcome']}"} if hop["outcome"] in FAILED else set()
            assert failed == expected, f"{where}: classes {item.get('class')}"
            text = item.get_text(" ", strip=True)
            assert text.startswith(hop["place"]), f"{where}: the item starts {text[:40]!r}"
            for packet in (hop["arriving"], hop["leaving"]):
                if packet:
                    shown = f"{packet['src']} → {packet['dst']}"
                    assert shown in text, f"{where}: the item does not show {shown}"


def test_every_hop_is_drawn_on_its_diagram(site, slug):
    """The highlight needs the hop's node and edge in the picture: `<diagram>--<id>`."""
    soup = soup_of(site, slug)
    missing: dict[str, list[str]] = {}
    for walk, _box in walks_of(soup):
        diagram = walk["diagram"]
        svg = soup.select_one(f'svg[data-diagram="{diagram}"]')
        assert svg is not None, f"{slug}: {walk['id']} needs diagrams/{diagram}.svg on the page"
        ids = {element.get("id") for element in svg.select("[id]")}
        for hop in walk["hops"]:
            for kind in ("node", "edge"):
                if hop[kind] and f"{diagram}--{hop[kind]}" not in ids:
                    line = f"  {walk['id']} hop {hop['index']}: {kind} {hop[kind]}"
                    missing.setdefault(diagram, []).append(line)
    assert not missing, "hops the diagram does not draw (align the diagram's ids, or map them " + (
        "in diagram_ids of docs/examples/<slug>/walk-topology.yml):\n"
        + "\n".join(f"diagrams/{d}.py:\n" + "\n".join(lines) for d, lines in missing.items())
    )


def test_walk_script_is_small():
    size = walk_script_gzip_bytes()
    assert size <= WALK_SCRIPT_GZIP_LIMIT, f"walk.js and its loader: {size} bytes gzipped"


# --- the browser --------------------------------------------------------------------------

STATE_JS = """(index) => {
  const control = document.querySelectorAll(".pw-control")[index];
  const svg = document.querySelector(`svg[data-diagram="${control.dataset.diagram}"]`);
  const ids = (selector) => svg ? [...svg.querySelectorAll(selector)].map((e) => e.id) : [];
  const shown = (box) => box.getClientRects().length > 0;
  const boxes = [];  // the walks this control steps through: the boxes right after it
  for (let box = control.nextElementSibling; box && box.matches("div.packet-walk");
       box = box.nextElementSibling) boxes.push(box);
  const current = boxes.flatMap((box) => [...box.querySelectorAll('li[aria-current="step"]')]);
  const active = document.activeElement;
  const panel = control.querySelector(".pw-panel");
  // What the panel shows (its words for screen readers only, "(changed)", left out).
  const unseen = [...panel.querySelectorAll(".pw-sr")];
  unseen.forEach((part) => { part.style.display = "none"; });
  const seen = panel.innerText.replace(/\\s+/g, " ").trim();
  unseen.forEach((part) => { part.style.display = ""; });
  return {
    nodes: ids(".pw-node"), edges: ids(".pw-edge"), failed: ids(".pw-failed"),
    drawn: svg ? [...svg.querySelectorAll("[id]")].map((e) => e.id) : [],
    current: current.map((li) => ({ id: li.id, node: li.dataset.node, edge: li.dataset.edge,
                                    outcome: li.dataset.outcome, shown: shown(li) })),
    shownWalks: boxes.filter(shown).map((box) => box.id),
    panel: seen,
    live: [panel.getAttribute("aria-live"), panel.getAttribute("aria-atomic")],
    previous: control.querySelector(".pw-previous").getAttribute("aria-disabled"),
    next: control.querySelector(".pw-next").getAttribute("aria-disabled"),
    focus: active && control.contains(active)
      ? ([...active.classList].find((name) => name.startsWith("pw-"))
         || active.tagName.toLowerCase()) : null,
    outline: active ? getComputedStyle(active).outlineStyle : "",
  };
}"""

# Colors of the current highlight against what lies behind it on the diagram.
CONTRAST_JS = (
    "(index) => {"
    + bs.CONTRAST_HELPERS_JS
    + """
  const control = document.querySelectorAll(".pw-control")[index];
  const svg = document.querySelector(`svg[data-diagram="${control.dataset.diagram}"]`);
  // The diagram's background and the fills of its groups, as the palette resolves them.
  const probe = document.createElementNS("http://www.w3.org/2000/svg", "rect");
  svg.append(probe);
  const backgrounds = {};
  for (const name of ["canvas", "cluster-fill", "namespace-fill", "outside-fill", "mesh-fill"]) {
    probe.style.fill = `var(--kd-${name})`;
    backgrounds[name] = rgb(getComputedStyle(probe).fill);
  }
  probe.remove();
  const marks = {};
  const halo = svg.querySelector(".pw-node > .pw-halo");
  if (halo) marks.halo = rgb(getComputedStyle(halo).stroke);
  const path = svg.querySelector(".pw-edge path");
  if (path) marks.edge = rgb(getComputedStyle(path).stroke);
  const worst = {};
  for (const [mark, color] of Object.entries(marks))
    worst[mark] = Math.min(...Object.values(backgrounds).map((bg) => contrast(color, bg)));
  return { marks, worst };
}"""
)


# The colors of a failed hop, and what --pw-failed and --pw-failed-text resolve to.
RED_JS = """() => {
  const resolve = (variable) => {
    const probe = document.createElement("span");
    probe.style.color = `var(${variable})`;
    document.body.append(probe);
    const color = getComputedStyle(probe).color;
    probe.remove();
    return color;
  };
  const color = (selector, property) => {
    const element = document.querySelector(selector);
    return element ? getComputedStyle(element)[property] : null;
  };
  return {
    failed: resolve("--pw-failed"), failedText: resolve("--pw-failed-text"),
    halo: color(".pw-node.pw-failed > .pw-halo", "stroke"),
    edge: color(".pw-edge.pw-failed path", "stroke"),
    item: color('li[aria-current="step"] .packet-walk-outcome', "color"),
    panel: color(".pw-panel .pw-outcome", "color"),
  };
}"""


def new_context(browser, server, form: str = "desktop", scheme: str = "light", js: bool = True):
    return bs.new_context(browser, server.origin, form, scheme, js=js)


def open_page(context, server, slug: str):
    page = context.new_page()
    page.requested = []
    page.errors = []
    page.on("request", lambda request: page.requested.append(request.url))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.goto(server.url + bs.page_path(slug), wait_until="load")
    page.wait_for_load_state("networkidle")
    return page


def open_walk_page(context, server, slug: str):
    page = open_page(context, server, slug)
    page.wait_for_selector(CONTROL, state="attached", timeout=10_000)
    return page


@pytest.fixture
def desktop(browser, server):
    context = new_context(browser, server)
    yield context
    context.close()
    assert context.third_party == [], f"third-party requests: {context.third_party}"


def state(page, control: int = 0) -> dict:
    return page.evaluate(STATE_JS, control)


def walks_in_page(page) -> list[dict]:
    return page.evaluate(
        """() => [...document.querySelectorAll("div.packet-walk")]
              .map((box) => JSON.parse(box.dataset.walk))"""
    )


def control_walks(page, control: int) -> list[dict]:
    """The walks control `control` steps through, in the order of its choice."""
    ids = page.evaluate(
        """(index) => {
          const control = document.querySelectorAll(".pw-control")[index];
          const ids = [];
          for (let box = control.nextElementSibling; box && box.matches("div.packet-walk");
               box = box.nextElementSibling) ids.push(box.id);
          return ids;
        }""",
        control,
    )
    by_id = {walk["id"]: walk for walk in walks_in_page(page)}
    return [by_id[i] for i in ids]


def assert_at_hop(got: dict, walk: dict, index: int) -> None:
    """The control shows hop `index` (0-based) of `walk`: list, diagram and panel."""
    hop = walk["hops"][index]
    where = f"{walk['id']} hop {hop['index']}"
    assert [c["id"] for c in got["current"]] == [hop["item"]], f"{where}: aria-current"
    current = got["current"][0]
    assert current["shown"], f"{where}: the current list item is hidden"
    diagram = walk["diagram"]
    node, edge = f"{diagram}--{current['node']}", f"{diagram}--{current['edge']}"
    # The highlight is the list item's own data-node and data-edge (when the picture has them).
    assert got["nodes"] == ([node] if node in got["drawn"] else []), f"{where}: node"
    assert got["edges"] == ([edge] if current["edge"] and edge in got["drawn"] else []), (
        f"{where}: edge"
    )
    if hop["outcome"] in FAILED:
        assert set(got["failed"]) == set(got["nodes"] + got["edges"]), f"{where}: not red"
    else:
        assert got["failed"] == [], f"{where}: red, but the hop {hop['outcome']}"
    panel = got["panel"]
    assert f"Step {hop['index']} of {len(walk['hops'])}" in panel, f"{where}: {panel}"
    assert hop["place"] in panel, f"{where}: the panel does not name {hop['place']}"
    for label, packet in (("Before", hop["arriving"]), ("After", hop["leaving"])):
        if packet:
            assert f"{label} {packet['src']} → {packet['dst']}" in panel, (
                f"{where}: the panel lacks {label} {packet['src']} → {packet['dst']}: {panel}"
            )
    if hop["outcome"] in FAILED:
        assert hop["outcome"].capitalize() in panel, f"{where}: the panel hides the failure"
    assert got["live"] == ["polite", "true"], f"{where}: the panel is not a polite live region"


def press(page, key: str) -> None:
    page.keyboard.press(key)
    page.wait_for_timeout(30)


@pytest.mark.browser
def test_keyboard_steps_through_a_walk(desktop, server):
    page = open_walk_page(desktop, server, NODEPORT)
    # One control for the four walks under the one diagram (not one per walk, nor per load).
    assert page.locator(CONTROL).count() == 1
    assert len(control_walks(page, 0)) == len(walks_in_page(page))
    walk = control_walks(page, 0)[0]
    last = len(walk["hops"]) - 1
    before = state(page)
    assert before["current"] == [] and before["nodes"] == [] and before["edges"] == []
    assert before["previous"] == "true", "Previous is live before the first step"

    # Tab from the figure's last link reaches the control: the walk's choice, then the buttons.
    page.focus(f'a.diagram__open[data-diagram-open="{NODEPORT}"]')
    press(page, "Tab")
    assert state(page)["focus"] == "select", "Tab after the diagram does not reach the control"
    press(page, "Tab")
    assert state(page)["focus"] == "pw-previous"
    press(page, "Tab")
    got = state(page)
    assert got["focus"] == "pw-next"
    assert got["outline"] not in ("", "none"), "the focused button shows no outline"

    press(page, "ArrowRight")
    assert_at_hop(state(page), walk, 0)
    press(page, "ArrowRight")
    assert_at_hop(state(page), walk, 1)
    press(page, "ArrowLeft")
    assert_at_hop(state(page), walk, 0)
    press(page, "ArrowLeft")  # nothing before the first hop
    got = state(page)
    assert_at_hop(got, walk, 0)
    assert got["previous"] == "true"
    press(page, "Enter")  # the focused Next button
    assert_at_hop(state(page), walk, 1)
    press(page, "Space")
    assert_at_hop(state(page), walk, 2)
    page.locator(CONTROL).first.locator(".pw-previous").click()
    assert_at_hop(state(page), walk, 1)
    page.locator(CONTROL).first.locator(".pw-next").focus()
    press(page, "End")
    got = state(page)
    assert_at_hop(got, walk, last)
    assert got["next"] == "true", "Next is live on the last hop"
    press(page, "ArrowRight")  # nothing after the last hop
    assert_at_hop(state(page), walk, last)
    press(page, "Home")
    got = state(page)
    assert_at_hop(got, walk, 0)
    assert got["focus"] == "pw-next", "stepping lost the keyboard focus"
    assert page.errors == []


@pytest.mark.browser
def test_every_hop_highlights_its_node_and_edge(desktop, server, slug):
    page = open_walk_page(desktop, server, slug)
    controls = page.locator(CONTROL)
    covered = set()
    for index in range(controls.count()):
        control = controls.nth(index)
        walks = control_walks(page, index)
        assert walks, f"{slug}: control {index} has no walk after it"
        for number, walk in enumerate(walks):
            if len(walks) > 1:
                control.locator("select").select_option(str(number))
            else:
                control.locator(".pw-next").click()
            assert_at_hop(state(page, index), walk, 0)
            assert state(page, index)["shownWalks"].count(walk["id"]) == 1
            for hop in range(1, len(walk["hops"])):
                control.locator(".pw-next").click()
                assert_at_hop(state(page, index), walk, hop)
            covered.add(walk["id"])
    every = {walk["id"] for walk in walks_in_page(page)}
    assert covered == every, f"{slug}: walks no control reaches: {sorted(every - covered)}"
    assert page.errors == []


@pytest.mark.browser
def test_choosing_a_walk_shows_it_alone(desktop, server):
    page = open_walk_page(desktop, server, NODEPORT)
    walks = control_walks(page, 0)
    assert len(walks) > 1, "nodeport should offer several walks under its diagram"
    ids = {walk["id"] for walk in walks}
    shown = [w for w in state(page)["shownWalks"] if w in ids]
    assert shown == [walks[0]["id"]], f"before a choice, the lists shown are {shown}"
    failing = next(i for i, walk in enumerate(walks) if walk["outcome"] in FAILED)
    select = page.locator(CONTROL).first.locator("select")
    select.focus()
    select.select_option(str(failing))
    got = state(page)
    assert [w for w in got["shownWalks"] if w in ids] == [walks[failing]["id"]]
    assert_at_hop(got, walks[failing], 0)
    page.locator(CONTROL).first.locator(".pw-next").focus()
    press(page, "End")
    got = state(page)
    assert_at_hop(got, walks[failing], len(walks[failing]["hops"]) - 1)
    assert got["failed"], "the failed hop is not red on the diagram"
    red = page.evaluate(RED_JS)
    assert red["halo"] == red["failed"], f"the failed node's halo is not red: {red}"
    assert red["edge"] in (None, red["failed"]), f"the failed hop's edge is not red: {red}"
    assert red["item"] == red["failedText"], f"the list's 'Dropped.' is not red: {red}"
    assert red["panel"] == red["failedText"], f"the panel's outcome is not red: {red}"
    # Back to the first walk: its first hop, and one current item only.
    select.select_option("0")
    got = state(page)
    assert_at_hop(got, walks[0], 0)
    assert page.errors == []


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_and_contrast_with_the_control_active(browser, server, scheme):
    context = new_context(browser, server, "desktop", scheme)
    try:
        page = open_walk_page(context, server, NODEPORT)
        walks = control_walks(page, 0)
        control = page.locator(CONTROL).first
        control.locator(".pw-next").click()
        control.locator(".pw-next").click()
        assert_at_hop(state(page), walks[0], 1)
        contrast = page.evaluate(CONTRAST_JS, 0)
        assert set(contrast["worst"]) == {"halo", "edge"}, contrast
        for mark, ratio in contrast["worst"].items():
            assert ratio >= HIGHLIGHT_CONTRAST_MIN, f"{scheme}: {mark} {ratio:.2f}:1 ({contrast})"
        violations = bs.run_axe(page)
        assert violations == [], f"{scheme}, a hop shown: {violations}"
        screenshot(page, f"nodeport-desktop-{scheme}.png")

        failing = next(i for i, walk in enumerate(walks) if walk["outcome"] in FAILED)
        control.locator("select").select_option(str(failing))
        control.locator(".pw-next").focus()
        press(page, "End")
        contrast = page.evaluate(CONTRAST_JS, 0)
        for mark, ratio in contrast["worst"].items():
            assert ratio >= HIGHLIGHT_CONTRAST_MIN, f"{scheme} failed {mark} {ratio:.2f}:1"
        violations = bs.run_axe(page)
        assert violations == [], f"{scheme}, a failed hop shown: {violations}"
        screenshot(page, f"nodeport-failed-desktop-{scheme}.png")
        assert page.errors == []
    finally:
        context.close()


@pytest.mark.browser
def test_palette_switch_keeps_the_step(desktop, server):
    page = open_walk_page(desktop, server, NODEPORT)
    walk = control_walks(page, 0)[0]
    control = page.locator(CONTROL).first
    control.locator(".pw-next").click()
    control.locator(".pw-next").click()
    light = page.evaluate(CONTRAST_JS, 0)
    page.locator("form[data-md-component=palette] label:visible").first.click()
    page.wait_for_function("() => document.body.dataset.mdColorScheme === 'slate'")
    got = state(page)
    assert_at_hop(got, walk, 1)
    dark = page.evaluate(CONTRAST_JS, 0)
    assert dark["marks"] != light["marks"], "the highlight kept its light colors in dark"
    for mark, ratio in dark["worst"].items():
        assert ratio >= HIGHLIGHT_CONTRAST_MIN, f"after the switch: {mark} {ratio:.2f}:1"
    assert page.errors == []


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_phone_shows_the_hop_without_scrolling_the_page(browser, server, scheme):
    context = new_context(browser, server, "phone", scheme)
    try:
        page = open_walk_page(context, server, NODEPORT)
        control = page.locator(CONTROL).first
        control.locator(".pw-next").tap()
        control.locator(".pw-next").tap()
        assert_at_hop(state(page), control_walks(page, 0)[0], 1)
        layout = page.evaluate(
            """() => {
              const root = document.documentElement;
              const node = document.querySelector(".pw-node");
              const canvas = node.closest(".diagram__canvas").getBoundingClientRect();
              const box = node.getBoundingClientRect();
              const control = document.querySelector(".pw-control").getBoundingClientRect();
              return { page: root.scrollWidth - root.clientWidth,
                       inCanvas: box.left >= canvas.left - 1 && box.right <= canvas.right + 1,
                       control: control.right - root.clientWidth };
            }"""
        )
        assert layout["page"] <= 0, f"{scheme}: the page scrolls sideways ({layout})"
        assert layout["control"] <= 0, f"{scheme}: the control sticks out ({layout})"
        assert layout["inCanvas"], f"{scheme}: the highlighted node is scrolled out of view"
        screenshot(page, f"nodeport-phone-{scheme}.png")
        assert page.errors == []
    finally:
        context.close()


@pytest.mark.browser
def test_pages_without_a_walk_run_no_walk_code(desktop, server, site):
    with_walk = [
        slug for slug in bs.page_slugs(site) if soup_of(site, slug).select("div.packet-walk")
    ]
    without = [slug for slug in bs.page_slugs(site) if slug not in with_walk and slug != "404"]
    assert with_walk and without
    for slug in without:
        page = open_page(desktop, server, slug)
        page.wait_for_timeout(300)  # the loader runs after Material's bundle
        fetched = [url for url in page.requested if WALK_SCRIPT in url]
        assert fetched == [], f"{slug} has no walk but downloaded {fetched}"
        assert page.locator(CONTROL).count() == 0
        page.close()

    # Instant navigation: without -> with -> without -> with; the module is fetched once.
    page = open_page(desktop, server, without[0])
    page.evaluate("() => { window.__sameDocument = true; }")
    for target in (with_walk[0], without[0], with_walk[-1]):
        link = page.locator(
            f'nav.md-nav--primary a.md-nav__link[href$="/{bs.page_path(target)}"]'
        ).first
        link.click()
        page.wait_for_url(f"**/{bs.page_path(target)}")
        page.wait_for_function(
            "(title) => document.title === title", arg=bs.page_title(site, target)
        )
        assert page.evaluate("() => window.__sameDocument === true"), "not an instant navigation"
        if target in with_walk:
            page.wait_for_selector(CONTROL, state="attached", timeout=10_000)
            boxes = page.locator("div.packet-walk").count()
            assert page.locator(CONTROL).count() >= 1 and boxes >= 1
        else:
            page.wait_for_timeout(300)
            assert page.locator(CONTROL).count() == 0
    fetched = [url for url in page.requested if WALK_SCRIPT in url]
    assert len(fetched) == 1, f"walk.js fetched {len(fetched)} times: {fetched}"
    assert page.errors == []


@pytest.mark.browser
def test_without_javascript_every_walk_is_a_list(browser, server, site):
    context = new_context(browser, server, "desktop", "light", js=False)
    try:
        page = open_page(context, server, NODEPORT)
        assert page.locator(CONTROL).count() == 0
        lists = page.evaluate(
            """() => [...document.querySelectorAll("div.packet-walk")].map((box) => ({
                 id: box.id, shown: box.getClientRects().length > 0,
                 items: [...box.querySelectorAll("ol > li")]
                   .filter((li) => li.getClientRects().length > 0).map((li) => li.id),
                 red: [...box.querySelectorAll(".packet-walk-outcome")]
                   .map((s) => getComputedStyle(s).color),
               }))"""
        )
        for (walk, _box), shown in zip(walks_of(soup_of(site, NODEPORT)), lists, strict=True):
            assert shown["shown"], f"{walk['id']} is hidden without JavaScript"
            assert shown["items"] == [hop["item"] for hop in walk["hops"]], walk["id"]
            if walk["outcome"] in FAILED:
                assert shown["red"] == ["rgb(198, 40, 40)"], f"{walk['id']}: {shown['red']}"
    finally:
        context.close()


@pytest.mark.browser
def test_print_shows_every_walk_and_no_control(desktop, server):
    page = open_walk_page(desktop, server, NODEPORT)
    control = page.locator(CONTROL).first
    control.locator("select").select_option("1")
    control.locator(".pw-next").click()
    page.emulate_media(media="print")
    printed = page.evaluate(
        """() => ({
          control: [...document.querySelectorAll(".pw-control")]
            .some((c) => c.getClientRects().length > 0),
          walks: [...document.querySelectorAll("div.packet-walk")]
            .map((box) => box.getClientRects().length > 0),
          halos: [...document.querySelectorAll(".pw-halo")]
            .some((h) => getComputedStyle(h).display !== "none"),
        })"""
    )
    assert not printed["control"], "the control is printed"
    assert all(printed["walks"]), "a walk's list is missing from the printout"
    assert not printed["halos"], "the highlight is printed"


def screenshot(page, name: str) -> None:
    """The diagram and the control under it, in a window tall enough for both."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": 1500})
    page.evaluate(
        """() => {
          const control = document.querySelector(".pw-control");
          const svg = document.querySelector(`svg[data-diagram="${control.dataset.diagram}"]`);
          const top = svg.closest("figure").getBoundingClientRect().top + window.scrollY;
          window.scrollTo(0, top - 60);
        }"""
    )
    page.screenshot(path=SHOTS / name, full_page=False)
    page.set_viewport_size(size)
