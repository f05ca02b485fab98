import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 180_000, // startRegtest mines 1,400 blocks: seconds, more on a loaded machine
    include: ['test/**/*.spec.ts'],
  },
})
