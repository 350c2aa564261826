// the system test's setup, for the fault suite's files and its longer scenarios
const e2e = require('./jest.e2e.cts');

module.exports = {
  ...e2e,
  displayName: 'fault-suite',
  testMatch: ['<rootDir>/src/faults/*.faults.ts'],
  testTimeout: 400000,
};
