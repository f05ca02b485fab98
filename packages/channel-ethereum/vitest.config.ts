import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Each suite starts an anvil node, and thousands of claims are signed and checked.
    testTimeout: 60_000,
    include: ['test/**/*.spec.ts'],
    // The contract's ABI and bytecode are compiled from contracts/PaymentChannel.sol first, and
    // the packages it is built on are built (the tests import them).
    globalSetup: ['test/build.global-setup.ts']
  }
})
