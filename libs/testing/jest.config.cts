module.exports = {
  displayName: 'testing',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  // specs start real servers (nats-server, fauxqs, PostgreSQL databases)
  testTimeout: 30000,
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  moduleFileExtensions: ['ts', 'js', 'html'],
  coverageDirectory: '../../coverage/libs/testing',
};
