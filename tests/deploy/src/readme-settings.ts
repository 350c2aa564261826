/**
 * The settings tables of the READMEs (`| variable | default | meaning |`) say what the env classes say: each variable
 * a row names is declared by the app the README belongs to, and its default is the class's. The complete list is
 * env.example (config-table.ts); these tables may show a part of it, but never a wrong one.
 *
 * Default cells: `required` (the app refuses to start without it), `unset` (no default), `empty` ('' or no entries),
 * or the value as env.example writes it, in backticks or not.
 */
import { CommonEnv } from '@ams/platform';
import { declaredVariables, variablesOf } from './app-env';
import { defaultOf, requiredVariables, writtenDefault } from './config-table';
import { APPS, AppName } from './manifests';

export interface SettingsRow {
  name: string;
  cell: string;
  line: number;
}

/** Rows of every table whose header has a `variable` and a `default` column, outside code blocks. */
export function settingsRows(markdown: string): SettingsRow[] {
  const rows: SettingsRow[] = [];
  let columns: { variable: number; def: number } | null = null;
  let fenced = false;
  markdown.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (/^(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced || !line.startsWith('|')) {
      columns = null;
      return;
    }
    const cells = line
      .replace(/^\||\|$/g, '')
      .split(/(?<!\\)\|/)
      .map((c) => c.trim());
    if (!columns) {
      const lower = cells.map((c) => c.toLowerCase());
      columns =
        lower.includes('variable') && lower.includes('default')
          ? { variable: lower.indexOf('variable'), def: lower.indexOf('default') }
          : { variable: -1, def: -1 };
      return;
    }
    if (columns.variable < 0 || /^:?-+:?$/.test(cells[0])) return;
    const name = /^`([A-Z][A-Z0-9_]*)`$/.exec(cells[columns.variable] ?? '')?.[1];
    if (name) rows.push({ name, cell: cells[columns.def] ?? '', line: i + 1 });
  });
  return rows;
}

/** What the default cell should read for the app's variable, in the words above. */
export function expectedCell(app: AppName | 'common', name: string): string {
  if (app === 'common') {
    const value = (new CommonEnv() as unknown as Record<string, unknown>)[name];
    if (value === undefined || value === null) return 'unset';
    return writtenDefault(value) || 'empty';
  }
  if (requiredVariables(app).includes(name)) return 'required';
  const value = defaultOf(app, name);
  if (value === undefined || value === null) return 'unset';
  return writtenDefault(value) === '' ? 'empty' : writtenDefault(value);
}

/** The README whose settings table describes an app's env class (or CommonEnv). */
export const SETTINGS_READMES: ReadonlyArray<[string, AppName | 'common']> = [
  ...APPS.map((app) => [`apps/${app}/README.md`, app] as [string, AppName]),
  ['libs/platform/README.md', 'common'],
];

export function settingsProblems(readme: string, owner: AppName | 'common', markdown: string): string[] {
  const problems: string[] = [];
  // variablesOf also finds the optional variables without a default (METRICS_PORT, NATS_USER …), which are no own keys
  const declared = new Set(owner === 'common' ? variablesOf(CommonEnv) : declaredVariables(owner));
  const file =
    owner === 'common' ? 'libs/platform/src/config/common-env.ts' : `apps/${owner}/src/config/${owner}.env.ts`;
  for (const row of settingsRows(markdown)) {
    const at = `${readme}:${row.line}`;
    if (!declared.has(row.name)) {
      problems.push(`${at}: ${row.name} is not declared in ${file}: remove the row or fix the name`);
      continue;
    }
    const expected = expectedCell(owner, row.name);
    const written = row.cell.replace(/`/g, '').trim();
    if (written !== expected)
      problems.push(
        `${at}: ${row.name} default is "${row.cell}", but ${file} gives "${expected}": write ${expected === 'required' || expected === 'unset' || expected === 'empty' ? expected : `\`${expected}\``}`,
      );
  }
  return problems;
}
