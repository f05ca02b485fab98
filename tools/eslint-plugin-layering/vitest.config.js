import { defineConfig } from 'vitest/config'

export default defineConfig({
  // These tests lint and parse the whole workspace; on a loaded CI machine 5 s is not enough.
  test: { include: ['test/**/*.spec.js'], testTimeout: 60_000 },
})
