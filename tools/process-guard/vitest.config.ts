import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    testTimeout: 30_000,
    include: ['test/**/*.spec.ts'],
    // The parent-death test runs a separate Node process, which imports dist/.
    globalSetup: ['test/build.global-setup.ts'],
  },
})
