module.exports = {
  displayName: 'ads-api-emulator',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  // the emulator specs start it on a free port and talk HTTP to it
  testTimeout: 30000,
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  moduleFileExtensions: ['ts', 'js'],
  coverageDirectory: '../../coverage/tools/ads-api-emulator',
};
