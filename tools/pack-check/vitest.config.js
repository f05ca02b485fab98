import { defineConfig } from 'vitest/config'

export default defineConfig({
  // Each test spawns node or compiles TypeScript over the installed packages (viem's types
  // among them): seconds each, more on a loaded machine.
  test: { include: ['test/**/*.spec.js'], testTimeout: 120_000 },
})
