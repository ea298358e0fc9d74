// This project's own test config: vitest looks for one from the folder it runs in upwards, so without it a project
// inside another repository (a clone of aerostack, a monorepo) would run under that repository's config.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each test file starts workerd.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
