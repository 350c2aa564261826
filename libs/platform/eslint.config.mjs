import baseConfig, { natsOnlyThroughPlatform } from '../../eslint.config.mjs';

// libs/platform wraps nats and the test kit hands a bare client to tests: both may import it (the root
// config exempts them with root-relative paths, which do not match when linting from this folder)
export default baseConfig.filter((c) => c !== natsOnlyThroughPlatform);
