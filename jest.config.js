/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': 'ts-jest' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  // Integration and e2e tests start real processes; running files in parallel on 2 cores makes
  // them slow and flaky, so files run one after another.
  maxWorkers: 1,
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/test/helpers/summaryReporter.js'],
};
