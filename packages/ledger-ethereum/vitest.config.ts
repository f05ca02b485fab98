import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Each suite starts an anvil node and waits for it; generous for a loaded machine.
    testTimeout: 60_000,
    include: ['test/**/*.spec.ts']
  }
})
