// Bundle src/ into the Voila template workbench-lite's static folder (one .js, one .css, minified).
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, "..", "workbench", "serve", "share", "voila", "templates", "workbench-lite", "static");
const common = { bundle: true, minify: true, legalComments: "linked", logLevel: "info", absWorkingDir: here };

await build({ ...common, entryPoints: ["src/index.js"], outfile: path.join(out, "workbench-lite.js"),
  format: "iife", target: ["es2020"], define: { "process.env.NODE_ENV": '"production"' } });
await build({ ...common, entryPoints: ["src/style.css"], outfile: path.join(out, "workbench-lite.css"),
  loader: { ".svg": "dataurl", ".woff": "dataurl", ".woff2": "dataurl", ".ttf": "dataurl", ".png": "dataurl" } });

// What the bundle was built from, so a test can tell when src/ changed and `make frontend` was not run
// (tests/test_frontend.py computes the same digest).
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";

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
