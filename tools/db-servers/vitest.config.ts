import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    testTimeout: 60_000,
    include: ['test/**/*.spec.ts'],
    // The process-exit tests start the node from a separate Node process, which runs dist/.
    globalSetup: ['test/build.global-setup.ts']
  }
})
