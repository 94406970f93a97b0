"""What makes every HTML document cplkit writes self-contained: the Content-Security-Policy that
forbids every network request (no external scripts, fonts, styles or images) and the inline
style sheet. The shell itself is the template ``layout.html.j2`` (``cplkit.base.templates``).
It knows nothing about CPL entries or findings.
"""

from __future__ import annotations

CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
        "img-src data:; form-action 'none'; base-uri 'none'")

STYLE = """
:root { color-scheme: light; --ink: #1b1b1b; --muted: #4a4a4a; --line: #c9c9c9;
  --link: #0b4fa8; --bg: #ffffff; --band: #f2f4f7; --error: #a3000b; --warn: #7a4b00;
  --ok: #1a6b2b; }
* { box-sizing: border-box; }
/* a word longer than its line breaks rather than push the page sideways; at laptop width only
   a word that could not fit anyway, so identifiers stay whole (break-word, unlike anywhere,
   leaves a table column as wide as its longest word) */
body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: var(--bg); overflow-wrap: break-word; }
header, main, footer { max-width: 1400px; margin: 0 auto; padding: 0 1rem; }
header { padding-top: 1.25rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 1.75rem 0 .5rem; }
p.meta { margin: .25rem 0; color: var(--muted); }
a { color: var(--link); }
a:focus, input:focus, select:focus, summary:focus { outline: 3px solid #f2b300;
  outline-offset: 1px; }
nav.files { margin: .75rem 0; display: flex; flex-wrap: wrap; gap: .5rem 1.25rem; }
form.filters { display: grid; gap: .75rem 1rem; margin: 1rem 0; padding: .75rem;
  background: var(--band); border: 1px solid var(--line); border-radius: 6px;
  grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); }
form.filters label { display: flex; flex-direction: column; font-weight: 600; font-size: .9rem;
  min-width: 0; }
form.filters input, form.filters select { font: inherit; padding: .4rem; margin-top: .2rem;
  width: 100%; min-width: 0;
  border: 1px solid #767676; border-radius: 4px; background: #fff; color: var(--ink); }
p#count { margin: .5rem 0; font-weight: 600; }
div.scroll { overflow-x: auto; }
[hidden], tr[hidden] { display: none !important; }
form.filters label.search { grid-column: 1 / -1; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border-bottom: 1px solid var(--line); padding: .35rem .5rem; text-align: left;
  vertical-align: top; }
thead th { position: sticky; top: 0; background: var(--band); }
td.hex { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  white-space: nowrap; }
.status-Removed { color: var(--error); font-weight: 600; }
.error { color: var(--error); font-weight: 600; }
.warning { color: var(--warn); font-weight: 600; }
.ok { color: var(--ok); font-weight: 600; }
details { border-bottom: 1px solid var(--line); padding: .35rem 0; }
summary { cursor: pointer; font-weight: 600; }
pre { white-space: pre-wrap; overflow-wrap: break-word; font: inherit;
  margin: .35rem 0 .35rem 1rem; }
td pre { margin: 0; }
code { overflow-wrap: break-word; }
footer { color: var(--muted); font-size: .85rem; padding: 2rem 1rem; }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .35rem; }
h1, h2, h3 { overflow-wrap: anywhere; }
/* identifiers (field names, cells, codes) break only where they have a space: at laptop
   width a table sizes their column to the longest one rather than cutting it mid-word */
table.grid td, .id { overflow-wrap: break-word; }
table.grid td.value { overflow-wrap: anywhere; }
table.grid td.hex { white-space: nowrap; }
section.summary { margin: 1rem 0; padding: .25rem .75rem .5rem; background: var(--band);
  border: 1px solid var(--line); border-radius: 6px; }
section.summary h2 { margin-top: .5rem; }
ol.summary { margin: .35rem 0; padding-left: 1.5rem; }
ol.summary li { margin: .35rem 0; }
details.fields > summary { font-weight: 400; color: var(--link); text-decoration: underline; }
table.grid tr.flagged { background: #fff4e5; }
code.value, .mark { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  white-space: pre-wrap; overflow-wrap: anywhere; }
ul.findings { margin: .2rem 0; padding-left: 1.1rem; }
.hint { display: block; color: var(--muted); }
dl.fields { margin: .35rem 0; font-size: .85rem; min-width: 16rem; }
dl.fields dt { font-weight: 600; color: var(--muted); }
dl.fields dd { margin: 0 0 .35rem; overflow-wrap: anywhere; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 720px) {
  thead { position: absolute; left: -9999px; }
  caption { display: block; width: 100%; }
  form.filters { grid-template-columns: 1fr 1fr; padding: .5rem; }
  table, tbody, tr, td { display: block; width: 100%; }
  tr { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 .75rem; padding: .25rem; }
  /* the value column may not grow past the card: a long word breaks there instead of
     pushing the page sideways (a phone has no room for it either way) */
  td { border: none; display: grid; grid-template-columns: 7.5rem minmax(0, 1fr); gap: .5rem;
    padding: .2rem .35rem; overflow-wrap: anywhere; }
  body { overflow-wrap: anywhere; }
  /* a check report's row is a card: cell and field on one line, the value and its findings
     under them; a row without findings has no empty Findings line */
  table.grid tr { display: grid; grid-template-columns: auto minmax(0, 1fr); gap: 0 .5rem; }
  table.grid td { display: block; padding: .15rem .35rem; }
  table.grid td::before { content: none; }
  table.grid td.hex { font-weight: 600; white-space: nowrap; word-break: normal; }
  table.grid td.value, table.grid td.found { grid-column: 1 / -1; }
  table.grid td.found:empty { display: none; }
  td::before { content: attr(data-label); font-weight: 600; color: var(--muted);
    font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  div.scroll { overflow-x: visible; }
  td.hex { white-space: normal; }
  dl.fields { min-width: 0; }
}
"""

