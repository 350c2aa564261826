module.exports = {
  displayName: 'ads-cli',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  moduleFileExtensions: ['ts', 'js'],
  coverageDirectory: '../../coverage/tools/ads-cli',
  testTimeout: 60000,
};
