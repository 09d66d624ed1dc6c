import { defineConfig } from 'vitest/config'

// Engine and integration tests run in plain Node (no DOM): the same constraint core/ lives under.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          // A light test takes milliseconds idle, yet seconds on a loaded 2-core machine; heavy ones
          // (training, seed-sized ONNX exports) carry their own budgets beside their code.
          testTimeout: 20_000,
          hookTimeout: 60_000
        }
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // The tests that run `workbench` run the bundle, as users do: built here unless current.
          globalSetup: ['scripts/build-if-stale.mjs'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false
        }
      }
    ]
  }
})
