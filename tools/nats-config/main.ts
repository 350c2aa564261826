/** `npm run nats:config`: writes every committed nats-server configuration from the per-app permissions. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NATS_CONFIG_FILES } from '@ams/contracts';

const root = join(__dirname, '..', '..');
for (const [path, render] of Object.entries(NATS_CONFIG_FILES)) {
  const file = join(root, path);
  const text = render();
  let old = '';
  try {
    old = readFileSync(file, 'utf8');
  } catch {
    // a new file
  }
  if (old === text) {
    console.log(`${path}: up to date`);
  } else {
    writeFileSync(file, text);
    console.log(`${path}: written`);
  }
}
