/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': 'ts-jest' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // The Chromium loss test (test/net/loss.test.ts) failed 1 run in 6 on a quiet 2-core machine (an
  // SDK player with no first frame in 15 s on clean links) and more often under load: until that
  // is understood it runs with `npm run test:loss` (and its figures with `npm run bench`), not in
  // `npm test`, whose one red run would hold back everything else.
  testPathIgnorePatterns: process.env.LOSS_TESTS ? ['/node_modules/'] : ['/node_modules/', '<rootDir>/test/net/loss.test.ts'],
  // Integration and e2e tests start real processes; running files in parallel on 2 cores makes
  // them slow and flaky, so files run one after another.
  maxWorkers: 1,
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/test/helpers/summaryReporter.js'],
};
