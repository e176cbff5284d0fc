/**
 * The HTML report's inline style sheet and script (constants; html.ts puts
 * them in the page with a Content-Security-Policy that allows exactly these
 * two by hash, and no network at all). System fonts only. Verdict colours
 * come with a text label and a mark in every cell, so colour is never the
 * only cue; wide tables scroll inside their box and text wraps at any width.
 */

export const STYLE = `
:root { color-scheme: light dark; --bg: #fff; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --box: #f6f8fa;
  --open: #dafbe1; --refused: #fff1c2; --unreachable: #ffe2cc; --dropped: #e2e6ff; --error: #ffd8d8; --bad: #cf222e; --good: #1a7f37; }
@media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --fg: #e6edf3; --muted: #8d96a0; --line: #30363d; --box: #161b22;
  --open: #12361f; --refused: #3d3110; --unreachable: #442615; --dropped: #1d2550; --error: #4c1618; --bad: #ff7b72; --good: #3fb950; } }
* { box-sizing: border-box; }
body { margin: 0; padding: 1rem; background: var(--bg); color: var(--fg); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; overflow-wrap: anywhere; }
main { max-width: 78rem; margin: 0 auto; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.2rem; margin: 0; } h3 { font-size: 1rem; margin: 1rem 0 .4rem; }
code, pre { font: 13px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
pre { background: var(--box); border: 1px solid var(--line); border-radius: 6px; padding: .5rem .6rem; white-space: pre-wrap; word-break: break-word; margin: .3rem 0; }
.summary { display: flex; flex-wrap: wrap; gap: .5rem 1.25rem; margin: .5rem 0 1rem; color: var(--muted); }
.summary strong { color: var(--fg); }
.scenario { border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; margin: 0 0 1rem; }
.scenario > header { display: flex; flex-wrap: wrap; gap: .25rem .75rem; align-items: baseline; }
.file { color: var(--muted); font-size: .9rem; }
.desc { color: var(--muted); margin: .35rem 0 .5rem; white-space: pre-wrap; }
.status { font-weight: 700; padding: .05rem .45rem; border-radius: 4px; border: 1px solid currentColor; font-size: .85rem; }
.status.passed { color: var(--good); } .status.failed, .status.error, .status.changed, .status.stopped, .stopped { color: var(--bad); }
.failure { border-left: 4px solid var(--bad); padding: .1rem .6rem; margin: .4rem 0; }
.failure > summary { cursor: pointer; font-weight: 600; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: .3rem 0; }
th, td { border: 1px solid var(--line); padding: .3rem .45rem; vertical-align: top; text-align: left; overflow-wrap: break-word; }
th { background: var(--box); font-weight: 600; }
td.cell { min-width: 8.5rem; padding: 0; }
.entry { display: block; padding: .25rem .4rem; border-bottom: 1px solid var(--line); }
.entry:last-child { border-bottom: 0; }
.entry > summary { cursor: pointer; list-style: none; }
.entry > summary::-webkit-details-marker { display: none; }
.entry .evidence { margin-top: .3rem; }
.v-open { background: var(--open); } .v-refused { background: var(--refused); } .v-unreachable { background: var(--unreachable); }
.v-dropped { background: var(--dropped); } .v-error { background: var(--error); }
.entry.st-failed, .entry.st-error { outline: 3px solid var(--bad); outline-offset: -3px; }
.mark { font-weight: 700; } .st-failed .mark, .st-error .mark { color: var(--bad); } .st-passed .mark { color: var(--good); }
.fam { font-size: .8rem; color: var(--muted); margin-right: .25rem; }
.parity { font-style: italic; font-size: .85rem; display: block; }
.legend { display: flex; flex-wrap: wrap; gap: .4rem; margin: .3rem 0; font-size: .85rem; }
.legend span { padding: .05rem .4rem; border: 1px solid var(--line); border-radius: 4px; }
.rule-exercised .state { color: var(--good); } .rule-shadowed .state, .rule-unexercised .state { color: var(--bad); }
.state { font-weight: 700; white-space: nowrap; }
.tools { margin: .5rem 0; }
button { font: inherit; padding: .2rem .6rem; border: 1px solid var(--line); border-radius: 6px; background: var(--box); color: var(--fg); cursor: pointer; }
@media (max-width: 40rem) { body { padding: .5rem; font-size: 14px; } .scenario { padding: .5rem; } td.cell { min-width: 6.5rem; } }
@media print { .tools { display: none; } details { display: block; } }
`;

/** Opens or closes every evidence box (the report reads fully without it). */
export const SCRIPT = `
(function () {
  var buttons = document.querySelectorAll("button[data-details]");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].addEventListener("click", function (event) {
      var open = event.currentTarget.getAttribute("data-details") === "open";
      var all = document.querySelectorAll("details");
      for (var j = 0; j < all.length; j++) all[j].open = open;
    });
  }
})();
`;
