// Lets ts-node scripts under tools/ resolve the workspace's @ams/* imports (tsconfig.base.json paths).
const path = require('node:path');
const { register } = require('tsconfig-paths');
const root = path.resolve(__dirname, '..');
register({ baseUrl: root, paths: require(path.join(root, 'tsconfig.base.json')).compilerOptions.paths });
