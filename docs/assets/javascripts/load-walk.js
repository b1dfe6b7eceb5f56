/*
 * Loads the "Follow a packet" control (walk.js) on the pages that show a packet walk.
 *
 * Loaded on every page but tiny: it looks for a walk (div.packet-walk) after each page
 * load, Material's instant navigation included (`document$`), and imports the control only
 * when there is one, once per visit (the browser keeps the module). Without JavaScript, or
 * if the import fails, each walk stays the ordered list the page is built with.
 */
(() => {
  "use strict";

  const moduleUrl = new URL("walk.js", document.currentScript.src).href;
  let control = null;

  document$.subscribe(() => {
    if (!document.querySelector("div.packet-walk[data-walk]")) return;
    control = control || import(moduleUrl);
    control
      .then((walk) => walk.enhance(document))
      .catch((error) => {
        control = null; // try again on the next page
        console.error("The packet walk control could not be loaded:", error);
      });
  });
})();
