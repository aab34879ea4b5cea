import { Command } from "commander";
import { interveneRun, type InterveneResult, type InterventionMode, type UnitSelection } from "../../runs/intervene.js";
import { SpecError } from "../../runs/spec.js";
import { dataDirFrom } from "../data-dir.js";
import { parseCount } from "../parse.js";

const HELP = `
Modes (give exactly one):
  --zero                 set the selected units to 0
  --mean                 set them to their mean over the training pairs
  --patch-from <src>     set them to their values in another forward on the same inputs: <src> is a step of this
                         run (e.g. 100, an earlier checkpoint) or another run (id, prefix or directory; its last
                         checkpoint) with the same model shapes

Selections (at most one; none = every unit of the hook):
  --neurons 1,2,3        columns of the activation (hidden neurons of hook_pre/hook_post, residual dimensions, …)
  --heads 0,2            attention heads: column blocks of blocks.<l>.attn.hook_z or hook_q (transformer)
  --frequencies 14,35    transformer: the Fourier directions cos/sin(2πfa/p) of the embedding W_E (their span in
                         d_model, Nanda et al. 2023 §4) at a d_model-wide hook (hook_embed, blocks.0.hook_resid_pre …);
                         gromov: the neurons whose dominant frequency (U and V rows' spectrum) is one of them.
                         "key" takes the checkpoint's key frequencies.
  --keep                 act on everything except the selection ("ablate everything else")

Hooks: gromov hook_pre, hook_post; mlp hook_pre_<l>, hook_post_<l>; embed_mlp hook_pre, hook_post, hook_out;
transformer TransformerLens names (hook_embed, blocks.0.hook_resid_pre, blocks.0.attn.hook_z, blocks.0.mlp.hook_post,
…). An unknown --hook lists the model's hooks. Nothing is written; the model is evaluated on the run's own train and
test pairs with its own loss.

Examples:
  grokscope intervene <nanda run> --hook hook_embed --zero --frequencies key           # remove the key frequencies
  grokscope intervene <nanda run> --hook hook_embed --zero --frequencies key --keep    # keep only them
  grokscope intervene <nanda run> --hook blocks.0.attn.hook_z --mean --heads 0,2
  grokscope intervene <gromov run> --hook hook_post --zero --frequencies 14 --json
  grokscope intervene <gromov run> --step 600 --hook hook_pre --patch-from 100 --neurons 0,1,2
`;

const INT_LIST = /^\s*\d+(\s*,\s*\d+)*\s*$/;

function list(flag: string, text: string): number[] {
  if (!INT_LIST.test(text)) throw new SpecError(`${flag}: expected comma-separated whole numbers like 0,2,5, got "${text}"`);
  return text.split(",").map((s) => Number(s.trim()));
}

const pct = (x: number) => (Number.isNaN(x) ? "—" : `${(100 * x).toFixed(1)}%`);
const num = (x: number) => (Number.isFinite(x) ? x.toExponential(3) : String(x));

function table(r: InterveneResult): string {
  const what = r.frequencies ? `frequencies ${r.frequencies.join(",")}` : r.heads ? `heads ${r.heads.join(",")}` : r.neurons ? `${r.neurons.length} neurons` : "all units";
  const mode = r.mode === "patch" ? `patch from ${r.patch_from!.run_id} step ${r.patch_from!.step}` : `${r.mode} ablation`;
  const row = (name: string, s: InterveneResult["before"]) => `${name.padEnd(8)}${pct(s.train_acc).padStart(10)}${pct(s.test_acc).padStart(10)}${num(s.train_loss).padStart(12)}${num(s.test_loss).padStart(12)}`;
  return [
    `run      ${r.run_id}  step ${r.step}`,
    `hook     ${r.hook} [${r.hook_shape.join(", ")}]: ${mode} of ${r.keep ? "everything but " : ""}${what} (${r.ablated} of ${r.width} ${r.frequencies && r.neurons === null ? "dimensions" : "units"} ${r.mode === "patch" ? "patched" : "ablated"})`,
    `${"".padEnd(8)}${"train acc".padStart(10)}${"test acc".padStart(10)}${"train loss".padStart(12)}${"test loss".padStart(12)}`,
    row("before", r.before),
    row("after", r.after),
  ].join("\n");
}

interface Opts {
  step?: string;
  hook: string;
  zero?: boolean;
  mean?: boolean;
  patchFrom?: string;
  neurons?: string;
  heads?: string;
  frequencies?: string;
  keep?: boolean;
  json?: boolean;
  dataDir?: string;
}

/** `grokscope intervene <run> --hook NAME (--zero|--mean|--patch-from S) [selection]`: before/after evaluation. */
export function interveneCommand(): Command {
  return new Command("intervene")
    .description("ablate (zero or mean) or patch units of one hook point of a run's checkpoint and print train/test loss and accuracy before and after")
    .argument("<run>", "run id, unique prefix or run directory")
    .requiredOption("--hook <name>", "the hook point to intervene at (e.g. hook_post, blocks.0.attn.hook_z)")
    .option("--step <s>", "the checkpoint (default: the last)")
    .option("--zero", "zero ablation")
    .option("--mean", "mean ablation (the mean over the training pairs)")
    .option("--patch-from <run or step>", "activation patching from a step of this run or another run")
    .option("--neurons <list>", "units (columns) of the hook, e.g. 1,2,3")
    .option("--heads <list>", "attention heads of attn.hook_z / hook_q, e.g. 0,2")
    .option("--frequencies <list>", "frequencies, e.g. 14,35, or key (see below)")
    .option("--keep", "act on everything except the selection")
    .option("--json", "print one JSON object instead of the table")
    .option("--data-dir <dir>", "run store directory (default $GROKSCOPE_DATA or ./runs)")
    .addHelpText("after", HELP)
    .action(async (ref: string, o: Opts) => {
      const modes = [o.zero && "--zero", o.mean && "--mean", o.patchFrom !== undefined && "--patch-from"].filter(Boolean);
      if (modes.length !== 1) throw new SpecError(`${modes.length === 0 ? "--zero" : modes[1]}: give exactly one of --zero, --mean, --patch-from`);
      const mode: InterventionMode = o.zero ? "zero" : o.mean ? "mean" : "patch";
      const select: UnitSelection = {
        neurons: o.neurons === undefined ? undefined : list("--neurons", o.neurons),
        heads: o.heads === undefined ? undefined : list("--heads", o.heads),
        frequencies: o.frequencies === undefined ? undefined : o.frequencies.trim() === "key" ? "key" : list("--frequencies", o.frequencies),
        keep: o.keep === true,
      };
      const patchFrom = o.patchFrom === undefined ? undefined : /^\d+$/.test(o.patchFrom.trim()) ? parseCount("--patch-from", o.patchFrom) : o.patchFrom;
      const step = o.step === undefined ? undefined : parseCount("--step", o.step);
      const r = await interveneRun(ref, { dataDir: dataDirFrom(o.dataDir), step, hook: o.hook, mode, patchFrom, select });
      process.stdout.write((o.json ? JSON.stringify(r) : table(r)) + "\n");
    });
}
