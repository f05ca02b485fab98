import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // A regtest node starts (1,400 blocks mined) before the chain suites: slow on a loaded machine.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    include: ['test/**/*.spec.ts']
  }
})
