import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Property suites run many cases; on a loaded CI machine 5 s is not enough.
    testTimeout: 60_000,
    include: ['test/**/*.spec.ts'],
    // The crash tests run the built package in child processes: build it once first.
    globalSetup: ['test/build.global-setup.ts']
  }
})
