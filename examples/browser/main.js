// The page's module script: native ES modules, no bundler. Served from the repository root, this
// imports the compiled library (`npm run build` writes dist/).
import * as E from "../../dist/src/index.js";
import { runDemo } from "./demo.js";

const out = document.getElementById("result");
try {
  const result = await runDemo(E);
  out.textContent = JSON.stringify(result, null, 2);
  document.body.dataset.status = "done";
} catch (e) {
  out.textContent = JSON.stringify({ error: String(e?.stack ?? e) }, null, 2);
  document.body.dataset.status = "error";
  throw e;
}
