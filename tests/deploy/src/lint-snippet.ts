import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(__dirname, '..', '..', '..');

export interface LintMessage {
  ruleId: string | null;
  message: string;
}

export interface Snippet {
  /** where the code stands, relative to the root: the config that applies is that file's */
  filePath: string;
  code: string;
}

/**
 * ESLint's Node API in one child process for a whole batch: the flat config is ESM, which jest's sandbox cannot
 * import, and loading it (with the Nx project graph and the TypeScript parser) costs 2–5 s, once per process.
 * Each snippet is linted with `lintText` as `eslint --stdin --stdin-filename` would lint it.
 */
const LINT_BATCH = `
import { ESLint } from 'eslint';
let input = '';
for await (const chunk of process.stdin) input += chunk;
const eslint = new ESLint({ cwd: process.cwd() });
const out = [];
for (const { filePath, code } of JSON.parse(input)) {
  const [result] = await eslint.lintText(code, { filePath });
  out.push(result.messages.map(({ ruleId, message }) => ({ ruleId: ruleId ?? null, message })));
}
process.stdout.write(JSON.stringify(out));
`;

const linted = new Map<string, LintMessage[]>();
const key = (s: Snippet) => `${s.filePath}\u0000${s.code}`;

/**
 * Lints every snippet (paths relative to the root) in one ESLint process and remembers the results, so that
 * `lintSnippet` of any of them answers without starting ESLint again. Call it in a beforeAll with a file's cases.
 */
export function lintSnippets(snippets: Snippet[]): LintMessage[][] {
  const todo = snippets.filter((s) => !linted.has(key(s)));
  if (todo.length) {
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', LINT_BATCH], {
      cwd: root,
      input: JSON.stringify(todo.map((s) => ({ filePath: resolve(root, s.filePath), code: s.code }))),
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, NX_DAEMON: 'false' },
    });
    if (out.status !== 0) throw new Error(`eslint (batch of ${todo.length}) exited ${out.status}: ${out.stderr}`);
    const results = JSON.parse(out.stdout) as LintMessage[][];
    if (results.length !== todo.length) throw new Error(`eslint answered ${results.length} of ${todo.length}`);
    todo.forEach((s, i) => linted.set(key(s), results[i]));
  }
  return snippets.map((s) => linted.get(key(s)) as LintMessage[]);
}

/**
 * What ESLint (the repository's flat config, from the root) reports for `code` as if it stood at `filePath`
 * (relative to the root): from the batch `lintSnippets` already ran, else in a batch of its own.
 */
export function lintSnippet(filePath: string, code: string): LintMessage[] {
  return lintSnippets([{ filePath, code }])[0];
}
