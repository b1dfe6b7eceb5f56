/*
 * The full-size viewer of the architecture diagrams (figure.diagram, inline SVG).
 *
 * A diagram opens large from its "Full size" link (click, tap, Enter) or a click or tap on
 * the picture outside its node links. The viewer is one modal <dialog>: the picture itself
 * moves into it (its ids, links and palette stay as they are) and moves back on close. It
 * closes with Escape, its close button or a click beside the picture; focus then returns to
 * what opened it. Inside, the picture scrolls both ways and zooms with the buttons, the + and
 * - keys, Ctrl + wheel (a touchpad pinch), or the phone's own pinch zoom. A node link
 * followed from the viewer closes it and leads to the manifest on the page.
 *
 * Without JavaScript the link opens the SVG file itself. Event delegation on the document
 * keeps this working across Material's instant navigation.
 */
(() => {
  "use strict";

  const ZOOMS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3];
  let viewer = null;
  let state = null; // { svg, placeholder, opener, zoom }

  const button = (label, text, action) => {
    const element = document.createElement("button");
    element.type = "button";
    element.setAttribute("aria-label", label);
    element.textContent = text;
    element.dataset.action = action;
    return element;
  };

  function build() {
    const dialog = document.createElement("dialog");
    dialog.className = "kd-viewer";
    dialog.setAttribute("aria-labelledby", "kd-viewer-title");
    const bar = document.createElement("div");
    bar.className = "kd-viewer__bar";
    const title = document.createElement("h2");
    title.className = "kd-viewer__title";
    title.id = "kd-viewer-title";
    const zoom = document.createElement("output");
    zoom.className = "kd-viewer__zoom";
    zoom.setAttribute("aria-live", "polite");
    bar.append(
      title,
      button("Zoom out", "\u2212", "out"),
      zoom,
      button("Zoom in", "+", "in"),
      button("Close", "\u00d7", "close"),
    );
    const pane = document.createElement("div");
    pane.className = "kd-viewer__pane";
    pane.tabIndex = 0;
    pane.setAttribute("role", "region");
    pane.setAttribute("aria-labelledby", "kd-viewer-title");
    dialog.append(bar, pane);
    dialog.addEventListener("click", (event) => {
      const action = event.target.closest("button")?.dataset.action;
      if (action === "close" || event.target === dialog || event.target === pane) close();
      else if (action === "in") step(1);
      else if (action === "out") step(-1);
    });
    // Escape: close now, so the picture is back in the page before anything else runs.
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      close();
    });
    dialog.addEventListener("close", restore);
    dialog.addEventListener("keydown", (event) => {
      if (event.key === "+" || event.key === "=") step(1);
      else if (event.key === "-") step(-1);
      else return;
      event.preventDefault();
    });
    pane.addEventListener(
      "wheel",
      (event) => {
        if (!event.ctrlKey) return;
        event.preventDefault();
        step(event.deltaY < 0 ? 1 : -1);
      },
      { passive: false },
    );
    document.body.append(dialog);
    return dialog;
  }

  function setZoom(zoom) {
    state.zoom = zoom;
    viewer.style.setProperty("--kd-zoom", String(zoom));
    viewer.querySelector(".kd-viewer__zoom").textContent = `${Math.round(zoom * 100)} %`;
  }

  function step(direction) {
    if (!state) return;
    const index = ZOOMS.findIndex((zoom) => zoom >= state.zoom - 1e-6);
    const next = ZOOMS[Math.min(ZOOMS.length - 1, Math.max(0, index + direction))];
    setZoom(next);
  }

  function open(figure, opener) {
    const canvas = figure.querySelector(".diagram__canvas");
    const svg = canvas && canvas.querySelector(":scope > svg");
    if (!svg) return;
    if (!viewer || !viewer.isConnected) viewer = build();
    const placeholder = document.createElement("div");
    placeholder.className = "diagram__placeholder";
    placeholder.style.height = `${svg.getBoundingClientRect().height}px`;
    svg.replaceWith(placeholder);
    viewer.style.setProperty("--kd-w", canvas.style.getPropertyValue("--kd-w"));
    viewer.querySelector(".kd-viewer__title").textContent =
      figure.querySelector("[data-diagram-open]")?.dataset.title || "Diagram";
    viewer.querySelector(".kd-viewer__pane").append(svg);
    state = { svg, placeholder, opener, zoom: 1 };
    setZoom(1);
    viewer.showModal();
    viewer.querySelector('[data-action="close"]').focus();
  }

  function restore() {
    if (!state) return;
    const { svg, placeholder, opener } = state;
    state = null;
    placeholder.replaceWith(svg);
    if (opener && opener.isConnected) opener.focus();
  }

  function close() {
    if (viewer && viewer.open) viewer.close();
    restore();
  }

  document.addEventListener("click", (event) => {
    const target = event.target;
    if (!(target instanceof Element)) return;
    const link = target.closest("a");
    // A node link inside the viewer: close it, then go to the manifest on the page.
    if (link && state && viewer && viewer.contains(link)) {
      const href = link.getAttribute("href") || link.getAttribute("xlink:href") || "";
      if (href.startsWith("#")) {
        event.preventDefault();
        close();
        const anchor = document.getElementById(decodeURIComponent(href.slice(1)));
        if (anchor) {
          history.pushState(null, "", href);
          anchor.scrollIntoView();
          anchor.focus?.({ preventScroll: true });
        }
      }
      return;
    }
    const openLink = target.closest("[data-diagram-open]");
    if (openLink) {
      event.preventDefault();
      open(openLink.closest("figure.diagram"), openLink);
      return;
    }
    // A click or tap on the picture itself (not a link, not the end of a text selection).
    const svg = target.closest(".diagram__canvas > svg");
    if (svg && !link && String(window.getSelection()).trim() === "") {
      const figure = svg.closest("figure.diagram");
      open(figure, figure.querySelector("[data-diagram-open]"));
    }
  });

  // A picture wider than its box scrolls sideways: make the box reachable by keyboard.
  function markScrollers() {
    for (const canvas of document.querySelectorAll(".diagram__canvas")) {
      const scrolls = canvas.scrollWidth > canvas.clientWidth + 1;
      if (scrolls) {
        canvas.tabIndex = 0;
        canvas.setAttribute("role", "region");
        const svg = canvas.querySelector("svg");
        canvas.setAttribute("aria-label", svg?.getAttribute("aria-label") || "Diagram");
      } else {
        canvas.removeAttribute("tabindex");
        canvas.removeAttribute("role");
        canvas.removeAttribute("aria-label");
      }
    }
  }
  if (typeof window.document$ === "object" && window.document$.subscribe) {
    window.document$.subscribe(markScrollers);
  } else {
    document.addEventListener("DOMContentLoaded", markScrollers);
  }
  window.addEventListener("resize", markScrollers);
})();
