import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(__dirname, '..', '..', '..');

export interface LintMessage {
  ruleId: string | null;
  message: string;
}

/**
 * What ESLint (the repository's flat config, from the root) reports for `code` as if it stood at `filePath`
 * (relative to the root). In a child process: the flat config is ESM, which jest's sandbox cannot import.
 */
export function lintSnippet(filePath: string, code: string): LintMessage[] {
  const out = spawnSync(
    resolve(root, 'node_modules/.bin/eslint'),
    ['--stdin', '--stdin-filename', resolve(root, filePath), '--format', 'json'],
    {
      cwd: root,
      input: code,
      encoding: 'utf8',
      env: { ...process.env, NX_DAEMON: 'false' },
    },
  );
  const results = JSON.parse(out.stdout) as Array<{ messages: LintMessage[] }>;
  return results[0].messages;
}
