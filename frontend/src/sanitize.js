// What @jupyter-widgets/base-manager imports as "sanitize-html" (build.mjs points the name here): it
// cleans a description shown as HTML (description_allow_html=True; no participant app sets it, this
// is the guard if one ever does). The same allow-lists, applied by DOMPurify with the browser's own
// parser: ~20 KB, where sanitize-html brings its own HTML parser, postcss and entity tables (~240 KB of
// the page's JavaScript, parsed by every phone that opens it).
import DOMPurify from "dompurify";

export default function sanitize(html, { allowedTags = [], allowedAttributes = {} } = {}) {
  const attributes = Object.values(allowedAttributes).flat();
  return DOMPurify.sanitize(String(html), {
    ALLOWED_TAGS: allowedTags,
    ALLOWED_ATTR: attributes.filter((a) => !a.endsWith("*")),
    ALLOW_ARIA_ATTR: attributes.includes("aria-*"),
    ALLOW_DATA_ATTR: false,
  });
}
