import { configure } from '@testing-library/preact';

// findBy*/waitFor give up after this long: generous, as CI's 2-core runner is often loaded (a lazy page chunk, then
// its requests); a passing test does not wait for it
configure({ asyncUtilTimeout: 5000 });
