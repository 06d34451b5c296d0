/** The operator console: Svelte 5 built by Vite into dist/console, which the gateway serves at /. */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  base: "/",
  plugins: [svelte()],
  build: {
    outDir: fileURLToPath(new URL("../dist/console", import.meta.url)),
    emptyOutDir: true,
    // The gateway finds the build by its manifest (lib/api/console-files.ts).
    manifest: true,
    assetsInlineLimit: 0,
    target: "es2022",
    reportCompressedSize: false,
    // Svelte's compile dominates a build of this size; its timing report is noise in npm run build.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  // `npx vite --config console/vite.config.mts` with `npm start` running: the API is proxied.
  server: { proxy: { "/api": { target: "http://127.0.0.1:3000" } } },
});
