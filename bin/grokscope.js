#!/usr/bin/env node
import { main } from "../dist/src/cli/main.js";

// A reader that stops early (`grokscope phases … | head`) closes the pipe: stop quietly, as other command-line tools do.
process.stdout.on("error", (e) => {
  if (e && e.code === "EPIPE") process.exit(0);
  throw e;
});

main(process.argv).then(
  (code) => { process.exitCode = code; },
  (e) => { process.stderr.write(`grokscope: ${e && e.message ? e.message : e}\n`); process.exitCode = 1; },
);
