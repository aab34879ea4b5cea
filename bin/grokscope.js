#!/usr/bin/env node
import { main } from "../dist/src/cli/main.js";

main(process.argv).then(
  (code) => { process.exitCode = code; },
  (e) => { process.stderr.write(`grokscope: ${e && e.message ? e.message : e}\n`); process.exitCode = 1; },
);
