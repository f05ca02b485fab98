import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Each file starts its own PostgreSQL and Redis (tools/db-servers); a loaded machine is slow at it.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    include: ['test/**/*.spec.ts'],
  },
})
