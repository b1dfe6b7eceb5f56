// Checks Mermaid blocks the way a page hands them to Mermaid, in one Node process.
//
// Reads JSON from stdin: [{ "where": "docs/x.md:12", "source": "...", "html": "<div ...>" }].
// `html` (optional) is the block as a page has it (a Markdown fence's output): then the block
// is put into a DOM, the text our loader reads is taken (docs/assets/javascripts/
// load-mermaid.js: div.mermaid's textContent, trimmed) and must be the source as written.
// The text is parsed with Mermaid's own parser (mermaid.parse).
// Writes JSON to stdout: [{ "where": ..., "problem": ... }], one entry per failing block.
//
// Mermaid needs a DOM even to parse (DOMPurify sanitizes labels): happy-dom gives it one.

import { readFileSync } from "node:fs";
import { Window } from "happy-dom";

const window = new Window();
for (const name of ["window", "document", "navigator", "Element", "HTMLElement", "SVGElement", "Node", "DOMParser"]) {
  if (!(name in globalThis)) globalThis[name] = name === "window" ? window : window[name];
}
const { default: mermaid } = await import("mermaid");
// The settings of load-mermaid.js that bear on parsing.
mermaid.initialize({ startOnLoad: false, securityLevel: "strict", suppressErrorRendering: true });

const blocks = JSON.parse(readFileSync(0, "utf8"));
const problems = [];

async function parse(where, text) {
  try {
    await mermaid.parse(text);
  } catch (error) {
    problems.push({ where, problem: String(error && error.message ? error.message : error) });
  }
}

for (const block of blocks) {
  if (!block.html) {
    await parse(block.where, block.source.trim());
    continue;
  }
  const holder = window.document.createElement("div");
  holder.innerHTML = block.html;
  const div = holder.querySelector("div.mermaid") || holder.querySelector(".mermaid");
  if (!div) {
    problems.push({ where: block.where, problem: `no .mermaid element in the page's HTML: ${block.html.slice(0, 120)}` });
    continue;
  }
  const text = div.textContent.trim();
  if (text !== block.source.trim()) {
    const lines = block.source.trim().split("\n");
    const seen = text.split("\n");
    const index = lines.findIndex((line, i) => line !== seen[i]);
    problems.push({
      where: block.where,
      problem:
        `the page hands Mermaid other text than the Markdown has (an HTML character: < or &): ` +
        `block line ${index + 1} is ${JSON.stringify(lines[index])} in the Markdown but ` +
        `${JSON.stringify(seen[index] ?? "")} in the page`,
    });
    continue;
  }
  await parse(block.where, text);
}
process.stdout.write(JSON.stringify(problems));
