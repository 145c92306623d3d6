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
