/*
 * Renders Mermaid diagrams with the site's own copy of mermaid.js (v11, ESM build).
 *
 * Loaded on every page but tiny: mermaid itself is imported only when a page has a
 * diagram, and its ESM build fetches just the chunks that diagram type needs. It hooks
 * Material's `document$`, which fires on the first load and after every instant
 * navigation, so diagrams render whichever page a reader arrives from. It also redraws
 * them when the reader switches between the light and dark palettes.
 */
(() => {
  "use strict";

  const moduleUrl = new URL("../vendor/mermaid/mermaid.esm.min.mjs", document.currentScript.src).href;
  const settings = { startOnLoad: false, securityLevel: "strict" };
  let mermaidModule = null;
  let renderCount = 0;

  // mkdocs-mermaid2 adds `mermaid.initialize({...})` (its `arguments:`) to pages with a
  // diagram; keep those settings for when the real library is loaded.
  window.mermaid = window.mermaid || {
    initialize: (options) => Object.assign(settings, options),
  };

  const theme = () =>
    document.body.getAttribute("data-md-color-scheme") === "slate" ? "dark" : "default";

  async function renderDiagrams() {
    const blocks = document.querySelectorAll("div.mermaid");
    if (blocks.length === 0) return;
    mermaidModule = mermaidModule || import(moduleUrl).then((module) => module.default);
    const mermaid = await mermaidModule;
    mermaid.initialize({ ...settings, theme: theme() });
    for (const block of blocks) {
      // Keep the source: the palette toggle renders the same diagram again.
      if (block.dataset.source === undefined) block.dataset.source = block.textContent.trim();
      renderCount += 1;
      const { svg } = await mermaid.render(`mermaid-svg-${renderCount}`, block.dataset.source);
      block.innerHTML = svg;
      block.dataset.rendered = theme();
    }
  }

  const report = (error) => console.error("Mermaid diagram failed to render:", error);
  document$.subscribe(() => renderDiagrams().catch(report));
  new MutationObserver(() => renderDiagrams().catch(report)).observe(document.body, {
    attributes: true,
    attributeFilter: ["data-md-color-scheme"],
  });
})();
