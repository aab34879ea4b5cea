// The web lab's build: `vite build --config web/vite.config.ts` writes dist/web, which `grokscope serve` serves.
// Everything is bundled (no CDN, no network at build or run time).
import { fileURLToPath } from "node:url";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root: here,
  base: "./",
  plugins: [svelte()],
  logLevel: "warn",
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: {
    // `vite --config web/vite.config.ts` during development: the API comes from `grokscope serve --port 5178`
    proxy: { "/api": "http://127.0.0.1:5178" },
    // cross-origin isolated as `grokscope serve` serves it: the Explore page's wasm kernels need shared memory
    headers: { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" },
  },
});
