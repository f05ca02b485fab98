import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // The chain runs in-process (ganache): a suite's first block is slow on a loaded machine.
    testTimeout: 60_000,
    include: ['test/**/*.spec.ts']
  }
})
