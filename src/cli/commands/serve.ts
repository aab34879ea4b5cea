import { Command } from "commander";
import { spawn } from "node:child_process";
import { startServer } from "../../server/server.js";
import { SpecError } from "../../runs/spec.js";
import { dataDirFrom } from "../data-dir.js";
import { parseCount } from "../parse.js";

/** Opens `url` in the desktop's browser, if there is one; failing quietly (the URL is printed anyway). */
function openBrowser(url: string): void {
  const [cmd, ...args] = process.platform === "darwin" ? ["open", url] : process.platform === "win32" ? ["cmd", "/c", "start", "", url] : ["xdg-open", url];
  try {
    const child = spawn(cmd, args, { stdio: "ignore", detached: true });
    child.on("error", () => {});
    child.unref();
  } catch {
    // no browser opener: the printed URL is enough
  }
}

export function serveCommand(): Command {
  return new Command("serve")
    .description("serve the web lab: live runs, run pages, sweeps and phase diagrams, new runs (Ctrl-C stops)")
    .option("--port <n>", "port (0 = any free port)", "5178")
    .option("--host <address>", "address to bind; any but a loopback address needs --token", "127.0.0.1")
    .option("--token <secret>", "require this token on API requests (Bearer header or ?token=); default $GROKSCOPE_TOKEN")
    .option("--data-dir <dir>", "run store directory (default $GROKSCOPE_DATA or ./runs)")
    .option("--open", "open the lab in the default browser")
    .action(async (o: { port: string; host: string; token?: string; dataDir?: string; open?: boolean }) => {
      const port = parseCount("--port", o.port);
      if (port > 65535) throw new SpecError(`--port: expected 0–65535, got ${port}`);
      const token = o.token ?? (process.env.GROKSCOPE_TOKEN || undefined);
      let running;
      try {
        running = await startServer({ dataDir: dataDirFrom(o.dataDir), host: o.host, port, token });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EADDRINUSE") throw new SpecError(`--port ${port}: already in use (try another, or --port 0 for any free port)`);
        if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") throw new SpecError(`--host ${o.host}: not an address of this machine`);
        throw e;
      }
      const url = token === undefined ? running.url : `${running.url}?token=${encodeURIComponent(token)}`;
      process.stdout.write(`grokscope web lab at ${url}\n`);
      if (o.open) openBrowser(url);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await running.close();
    });
}
