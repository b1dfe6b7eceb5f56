/*
 * Renders Mermaid diagrams with the site's own copy of mermaid.js (v11, ESM build).
 *
 * Loaded on every page but tiny: mermaid itself is imported only when a page has a
 * diagram, and its ESM build fetches just the chunks that diagram type needs. It hooks
 * Material's `document$`, which fires on the first load and after every instant
 * navigation, so diagrams render whichever page a reader arrives from. It also redraws
 * them when the reader switches between the light and dark palettes.
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
  let mermaidModule = null;
  let renderCount = 0;
  let queue = Promise.resolve();

  // mkdocs-mermaid2 adds `mermaid.initialize({...})` (its `arguments:`) to pages with a
  // diagram; keep those settings for when the real library is loaded.
  window.mermaid = window.mermaid || {
    initialize: (options) => Object.assign(settings, options),
  };

  const theme = () =>
    document.body.getAttribute("data-md-color-scheme") === "slate" ? "dark" : "default";

  async function renderDiagrams() {
    const wanted = theme();
    const blocks = [...document.querySelectorAll("div.mermaid")].filter(
      (block) => block.dataset.rendered !== wanted,
    );
    if (blocks.length === 0) return;
    mermaidModule = mermaidModule || import(moduleUrl).then((module) => module.default);
    const mermaid = await mermaidModule;
    mermaid.initialize({ ...settings, theme: wanted, themeVariables: themeVariables[wanted] });
    for (const block of blocks) {
      // Keep the source: the palette toggle renders the same diagram again.
      if (block.dataset.source === undefined) block.dataset.source = block.textContent.trim();
      renderCount += 1;
      try {
        const { svg } = await mermaid.render(`mermaid-svg-${renderCount}`, block.dataset.source);
        block.innerHTML = svg;
        block.dataset.rendered = wanted;
        delete block.dataset.failed;
      } catch (error) {
        block.dataset.failed = String(error && error.message ? error.message : error);
        console.error("Mermaid diagram failed to render:", error);
      }
    }
  }

  // One render at a time: a page load and a palette switch can ask at the same moment.
  const scheduleRender = () => {
    queue = queue.then(renderDiagrams).catch((error) => {
      console.error("Mermaid could not be loaded:", error);
      mermaidModule = null; // try again on the next page
      for (const block of document.querySelectorAll("div.mermaid:not([data-rendered])")) {
        block.dataset.failed = "mermaid.js could not be loaded";
      }
    });
  };
  document$.subscribe(scheduleRender);
  new MutationObserver(scheduleRender).observe(document.body, {
    attributes: true,
    attributeFilter: ["data-md-color-scheme"],
  });
})();
