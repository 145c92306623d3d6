// Bundle src/ into the Voila template workbench-lite's static folder (one .js, one .css, minified).
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { readdirSync, rmSync } from "node:fs";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, "..", "workbench", "serve", "share", "voila", "templates", "workbench-lite", "static");
const common = { bundle: true, minify: true, legalComments: "linked", logLevel: "info", absWorkingDir: here };

// An ES module, split: what every participant page needs in workbench-lite.js (and a chunk it imports),
// the controls no participant app uses in a chunk fetched only when a page shows one (src/index.js).
// Old chunks are removed first so the folder holds only what this build refers to.
for (const f of readdirSync(out)) if (f.startsWith("chunk-")) rmSync(path.join(out, f));
await build({ ...common, entryPoints: { "workbench-lite": "src/index.js" }, outdir: out, splitting: true,
  format: "esm", target: ["es2020"], chunkNames: "chunk-[hash]", define: { "process.env.NODE_ENV": '"production"' },
  // base-manager's description sanitiser: DOMPurify with the browser's parser instead of sanitize-html's own
  // parser, postcss and entity tables (src/sanitize.js).
  alias: { "sanitize-html": "./src/sanitize.js" } });
await build({ ...common, entryPoints: ["src/style.css"], outfile: path.join(out, "workbench-lite.css"),
  loader: { ".svg": "dataurl", ".woff": "dataurl", ".woff2": "dataurl", ".ttf": "dataurl", ".png": "dataurl" } });

// What the bundle was built from, so a test can tell when src/ changed and `make frontend` was not run
// (tests/test_frontend.py computes the same digest).
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";

const inputs = ["build.mjs", "package.json", "package-lock.json",
  ...readdirSync(path.join(here, "src")).map((f) => `src/${f}`)].sort();
const digest = createHash("sha256");
for (const name of inputs) {
  digest.update(name + "\0");
  digest.update(readFileSync(path.join(here, name)));
  digest.update("\0");
}
writeFileSync(path.join(out, "build.json"),
  JSON.stringify({ inputs, sha256: digest.digest("hex") }, null, 1) + "\n");
