import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    testTimeout: 60_000,
    include: ['test/**/*.spec.ts'],
    // The three-L2 demo spawns the connector app's bin: build it once first.
    globalSetup: ['test/build-connector.global-setup.ts'],
  },
})
