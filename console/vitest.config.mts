/** Component and unit tests of the console (jsdom, Testing Library); `npm test` runs them before jest. */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { svelteTesting } from "@testing-library/svelte/vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  // Auto-cleanup off: its setup file is resolved through node_modules' real path, which may sit outside
  // this root (a worktree's symlinked node_modules); the tests clean up in afterEach.
  plugins: [svelte(), svelteTesting({ autoCleanup: false })],
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
  },
});
