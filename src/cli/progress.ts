import type { Progress } from "../runs/run.js";

const pct = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? "  —  " : `${(100 * x).toFixed(1).padStart(5)}%`);

/**
 * Progress on stderr: a redrawn bar on a TTY, plain lines otherwise (at most one per second, plus the last).
 * stdout stays clean for the final JSON line.
 */
export function progressReporter(label: string, stream: NodeJS.WriteStream = process.stderr): { update: (p: Progress) => void; done: () => void } {
  const tty = stream.isTTY === true;
  let lastLine = 0;
  let drawn = false;
  return {
    update(p) {
      const m = p.metrics;
      const text = `step ${String(p.step).padStart(String(p.total).length)}/${p.total}  train ${pct(m.train_acc)}  test ${pct(m.test_acc)}  loss ${m.train_loss?.toExponential(2) ?? "—"}  ${p.stepsPerSecond > 0 ? p.stepsPerSecond.toFixed(0) : "—"} steps/s`;
      if (tty) {
        const width = 24, filled = Math.round((width * p.step) / Math.max(1, p.total));
        stream.write(`\r${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${text}\x1b[K`);
        drawn = true;
      } else {
        const now = Date.now();
        if (now - lastLine >= 1000 || p.step === p.total) {
          stream.write(`${label} ${text}\n`);
          lastLine = now;
        }
      }
    },
    done() {
      if (tty && drawn) stream.write("\n");
    },
  };
}
