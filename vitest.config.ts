import { defineConfig } from 'vitest/config';

// Unit tests are pure and fast. Integration tests (`*.int.test.ts`, and everything under test/)
// use the real Redis that test/global-setup.ts starts, and real processes built into dist/.
export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          // Unit tests run first: they are fast and say most when something is wrong.
          sequence: { groupOrder: 0 },
          include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          include: ['packages/*/test/**/*.int.test.ts', 'apps/*/test/**/*.int.test.ts', 'test/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Each file starts its own processes; two cores run two files at a time comfortably.
          maxWorkers: 2,
        },
      },
    ],
  },
});
