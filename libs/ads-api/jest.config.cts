module.exports = {
  displayName: 'ads-api',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  // integration specs talk HTTP to the Ads API emulator; retries with real back-off take seconds
  testTimeout: 30000,
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  moduleFileExtensions: ['ts', 'js'],
  coverageDirectory: '../../coverage/libs/ads-api',
};
