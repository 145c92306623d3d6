"""What the consent stage's two screens share: their stylesheet."""

from __future__ import annotations

CONSENT_STYLE = """
<style>
.wb-app .wb-big button, .wb-app button.wb-big { min-height: 60px; font-size: 20px; font-weight: 600; width: 100%; }
.wb-app .wb-answer button { min-height: 64px; font-size: 22px; }
.wb-app .wb-controls { width: 100%; gap: 8px; }
.wb-app .wb-controls .widget-text, .wb-app .wb-controls .widget-textarea { width: 100%; }
.wb-app .wb-controls input[type=text] { min-height: 48px; font-size: 20px; }
.wb-app .wb-check .widget-label-basic, .wb-app .wb-check label { font-size: 18px; }
.wb-app .wb-check input[type=checkbox] { width: 28px; height: 28px; }
.wb-app .wb-receipt-code { font-size: 1.6em; font-weight: 700; letter-spacing: 0.08em; }
/* A text field's label (its ipywidgets description, a <label for=...> tied to the <input>) on its own line. */
.wb-app .wb-labelled { flex-wrap: wrap; width: 100%; }
.wb-app .wb-labelled > label.widget-label { width: 100%; max-width: 100%; text-align: left; white-space: normal;
  overflow: visible; font-size: 17px; margin: 0 0 4px 0; }
.wb-app .wb-labelled > input { flex: 1 1 100%; }
</style>
"""
