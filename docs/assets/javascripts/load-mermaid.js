/*
 * Renders Mermaid diagrams with the site's own copy of mermaid.js (v11, ESM build).
 *
 * Loaded on every page but tiny: mermaid itself is imported only when a diagram comes
 * near the viewport (or its tab or <details> is opened), and its ESM build then fetches
 * just the chunks that diagram type needs. Parsing and laying out a diagram costs a phone
 * hundreds of milliseconds of main thread, so a reader who never scrolls to one never pays.
 *
 * It hooks Material's `document$`, which fires on the first load and after every instant
 * navigation, so diagrams render whichever page a reader arrives from. It also redraws
 * them when the reader switches between the light and dark palettes.
 *
 * Once the page is idle, the remaining diagrams are drawn too, one at a time: printing cannot
 * wait for a drawing (the browser lays out the printout as soon as `beforeprint` returns),
 * so every diagram must be ready before a reader prints. In the dark palette each diagram is
 * also drawn in the light theme, kept hidden for the printout (print.css), since paper gets
 * the light scheme.
 *
 * Each div.mermaid ends with data-rendered="<theme>" (the SVG is inside it, not in a
 * shadow root) or data-failed="<message>" (its source stays visible as text); the browser
 * tests rely on both.
 */
(() => {
  "use strict";

  const moduleUrl = new URL("../vendor/mermaid/mermaid.esm.min.mjs", document.currentScript.src).href;
  const settings = {
    startOnLoad: false,
    securityLevel: "strict",
    // Never draw Mermaid's "Syntax error in text" bomb into the page: a failed block keeps
    // its source as text, and the error goes to the console.
    suppressErrorRendering: true,
  };
  // Mermaid's dark theme puts edge labels on #585858, where its #ccc text reaches only
  // 4.4:1 (axe: color-contrast); a darker label background keeps them well above 4.5:1.
  const themeVariables = { default: {}, dark: { edgeLabelBackground: "#333842" } };
  const wanted = new WeakSet(); // blocks that have been near the viewport at least once
  let mermaidModule = null;
  let renderCount = 0;
  let queue = Promise.resolve();

  // mkdocs-mermaid2 adds `mermaid.initialize({...})` (its `arguments:`) to pages with a
  // diagram; overrides/main.html defines this stand-in before it runs, and it keeps those
  // settings for when the real library is loaded.
  window.mermaid = window.mermaid || {
    settings: {},
    initialize(options) {
      Object.assign(this.settings, options);
    },
  };

  // Mermaid writes path coordinates with 16 digits (a flowchart's stadium shape alone made
  // 30 KB of path data); two decimals are plenty on screen and cut the SVG to a fraction.
  const compactPaths = (svg) =>
    svg.replace(/ d="([^"]*)"/g, (_, path) => ` d="${path.replace(/(\.\d\d)\d+/g, "$1")}"`);

  const theme = () =>
    document.body.getAttribute("data-md-color-scheme") === "slate" ? "dark" : "default";

  async function renderDiagrams() {
    const current = theme();
    const blocks = [...document.querySelectorAll("div.mermaid")].filter(
      (block) => wanted.has(block) && block.dataset.rendered !== current,
    );
    if (blocks.length === 0) return;
    mermaidModule = mermaidModule || import(moduleUrl).then((module) => module.default);
    const mermaid = await mermaidModule;
    mermaid.initialize({
      ...settings,
      ...window.mermaid.settings,
      theme: current,
      themeVariables: themeVariables[current],
    });
    for (const block of blocks) {
      // Keep the source: the palette toggle renders the same diagram again.
      if (block.dataset.source === undefined) block.dataset.source = block.textContent.trim();
      renderCount += 1;
      try {
        const { svg } = await mermaid.render(`mermaid-svg-${renderCount}`, block.dataset.source);
        block.innerHTML = compactPaths(svg);
        block.dataset.rendered = current;
        delete block.dataset.failed;
      } catch (error) {
        block.dataset.failed = String(error && error.message ? error.message : error);
        console.error("Mermaid diagram failed to render:", error);
      }
    }
    if (current === "default") return;
    // Paper gets the light scheme: a hidden light-theme copy of each drawing for print.css.
    mermaid.initialize({ ...settings, ...window.mermaid.settings, theme: "default" });
    for (const block of blocks) {
      if (block.dataset.rendered !== current) continue;
      renderCount += 1;
      try {
        const { svg } = await mermaid.render(`mermaid-svg-${renderCount}`, block.dataset.source);
        const copy = document.createElement("div");
        copy.className = "kni-mermaid-print";
        copy.hidden = true;
        copy.setAttribute("aria-hidden", "true");
        copy.innerHTML = compactPaths(svg);
        block.append(copy);
      } catch (error) {
        console.error("Mermaid diagram failed to render for print:", error);
      }
    }
  }

  // One render at a time: a scroll, a page load and a palette switch can ask at once.
  const scheduleRender = () => {
    queue = queue.then(renderDiagrams).catch((error) => {
      console.error("Mermaid could not be loaded:", error);
      mermaidModule = null; // try again on the next request
      for (const block of document.querySelectorAll("div.mermaid:not([data-rendered])")) {
        if (wanted.has(block)) block.dataset.failed = "mermaid.js could not be loaded";
      }
    });
  };

  // A block counts as wanted once it is within a screen's height of the viewport. A block
  // in a closed tab or <details> has no box, so it is seen when the reader opens it.
  const nearViewport = new IntersectionObserver(
    (entries) => {
      const seen = entries.filter((entry) => entry.isIntersecting).map((entry) => entry.target);
      for (const block of seen) {
        wanted.add(block);
        nearViewport.unobserve(block);
      }
      if (seen.length > 0) scheduleRender();
    },
    { rootMargin: "100% 0px" },
  );

  // Once the page is idle (after the drawings near the viewport), draw all the others, so
  // a printout made at any time has them all.
  const idle = window.requestIdleCallback || ((callback) => setTimeout(callback, 200));
  let idleRequest = 0;
  const renderAllWhenIdle = () => {
    const request = ++idleRequest;
    queue.then(() =>
      idle(
        () => {
          if (request !== idleRequest) return; // another page has arrived since
          const blocks = document.querySelectorAll("div.mermaid");
          if (blocks.length === 0) return;
          blocks.forEach((block) => wanted.add(block));
          scheduleRender();
        },
        { timeout: 4000 },
      ),
    );
  };

  document$.subscribe(() => {
    nearViewport.disconnect(); // the previous page's blocks are gone
    document.querySelectorAll("div.mermaid").forEach((block) => nearViewport.observe(block));
    renderAllWhenIdle();
  });
  // Printing wants every diagram, including those the reader never scrolled to.
  window.addEventListener("beforeprint", () => {
    document.querySelectorAll("div.mermaid").forEach((block) => wanted.add(block));
    scheduleRender();
  });
  new MutationObserver(scheduleRender).observe(document.body, {
    attributes: true,
    attributeFilter: ["data-md-color-scheme"],
  });
})();
