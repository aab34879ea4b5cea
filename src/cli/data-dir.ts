/** The run store's directory: --data-dir, else $GROKSCOPE_DATA, else ./runs (the library's rule, one definition). */
export { resolveDataDir as dataDirFrom } from "../runs/compose.js";
