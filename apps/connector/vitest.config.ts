import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.spec.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real sockets and several nodes per test: one file at a time keeps the two shared cores calm.
    fileParallelism: false,
  },
})
