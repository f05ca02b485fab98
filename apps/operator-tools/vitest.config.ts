import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // The bins run as child processes against real chains; on a loaded CI machine 5 s is not enough.
    testTimeout: 60_000,
    include: ['test/**/*.spec.ts'],
    // Each test runs a built bin in child processes: build them once first.
    globalSetup: ['test/build.global-setup.ts'],
  },
})
