import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // A regtest node starts (1,400 blocks mined) and LDK nodes talk over TCP: slow on a loaded machine.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    include: ['test/**/*.spec.ts'],
    fileParallelism: false
  }
})
