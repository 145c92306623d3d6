"""What the concern screens share: their stylesheet."""

from __future__ import annotations

CONCERN_STYLE = """
<style>
.wb-app button.wb-big { min-height: 56px; font-size: 19px; font-weight: 600; width: 100%; }
.wb-app .wb-about button.widget-toggle-button { min-height: 52px; font-size: 17px; flex: 1 1 40%; }
.wb-app .wb-labelled { flex-wrap: wrap; width: 100%; }
.wb-app .wb-labelled > label.widget-label { width: 100%; max-width: 100%; text-align: left; white-space: normal;
  overflow: visible; font-size: 17px; margin: 0 0 4px 0; }
.wb-app .wb-labelled > input, .wb-app .wb-labelled > textarea { flex: 1 1 100%; font-size: 18px; }
.wb-app .wb-labelled > input { min-height: 48px; }
.wb-app .wb-labelled > textarea { min-height: 140px; }
.wb-app .widget-checkbox.wb-check { height: auto; }
.wb-app .wb-check input[type=checkbox] { width: 28px; height: 28px; flex: 0 0 28px; }
.wb-app .wb-check label { font-size: 17px; white-space: normal; overflow: visible; text-overflow: clip; height: auto;
  line-height: 1.35; gap: 8px; }
.wb-app .wb-tracking-code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 1.3em;
  font-weight: 700; letter-spacing: 0.04em; overflow-wrap: anywhere; }
.wb-app .wb-words { white-space: pre-wrap; }
</style>
"""
