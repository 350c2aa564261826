// The integration tier of this project (its *.integration.spec.ts): see jest.integration.js at the root.
module.exports = require('../../jest.integration.js')(require('./jest.config.cts'));
