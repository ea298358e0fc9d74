import { defineConfig } from "vitest/config";

// One Node project: tests beside the code; integration tests start real workerd through Miniflare.
export default defineConfig({
  test: {
    include: ["packages/**/*.test.ts", "examples/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**"],
    // Tests run the built worker and CLI: rebuild them first when a source changed (a no-op otherwise).
    globalSetup: ["scripts/test-setup.mjs"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Each file may start workerd; two cores, so keep concurrency modest.
    maxWorkers: 2,
  },
});
