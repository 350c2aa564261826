/**
 * The configuration table is env.example: one `NAME=value` line per variable, in the section of the app
 * that reads it (`# ---- ingestor ---`), the variables of every app (CommonEnv) in `# ---- every app ---`.
 * The value written is the default the app uses when the variable is unset, so copying the file changes
 * nothing; the exceptions are a variable the app requires (the value is an example: its comment starts
 * with `required`) and `PORT` (its default differs per app: the comment above it names each).
 *
 * The checks read the env classes themselves (`new IngestorEnv()` gives the defaults, the app's own
 * loadConfig of an empty environment names what is required), so a variable added to a class is checked
 * without editing this file, and every problem names the variable and the file to edit.
 */
import { CommonEnv, ConfigError, loadConfig } from '@ams/platform';
import { declaredVariables, envClassOf, variablesOf } from './app-env';
import { APPS, AppName } from './manifests';

export const TABLE = 'env.example';
const EVERY_APP = 'every app';

export interface TableEntry {
  name: string;
  value: string;
  /** The comment on the line (after `#`), trimmed; '' when there is none. */
  comment: string;
  /** `every app` or an app name: the `# ---- <section> ---` heading above the line. */
  section: string;
  line: number;
}

/** The `NAME=value` lines of env.example with their section (comments and blank lines skipped). */
export function parseTable(text: string): { entries: TableEntry[]; sections: string[] } {
  const entries: TableEntry[] = [];
  const sections: string[] = [];
  let section = '';
  let previousComment = '';
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    const heading = /^#\s*-{2,}\s*(.+?)\s*-{2,}\s*$/.exec(line);
    if (heading) {
      section = heading[1];
      sections.push(section);
      return;
    }
    if (line.startsWith('#')) {
      previousComment = line.replace(/^#+\s*/, '');
      return;
    }
    const m = /^([A-Z][A-Z0-9_]*)=("([^"]*)"|[^#\s]*)\s*(#\s*(.*))?$/.exec(line);
    if (m) {
      const value = m[3] ?? m[2];
      // a value-less line's meaning may be written on the comment line above it (PORT)
      entries.push({
        name: m[1],
        value,
        comment: (m[5] ?? '').trim() || (value === '' ? previousComment : ''),
        section,
        line: i + 1,
      });
    }
    previousComment = '';
  });
  return { entries, sections };
}

/** Variables the app's own validation refuses to start without (loadConfig of an empty environment). */
export function requiredVariables(app: AppName): string[] {
  try {
    loadConfig(app, envClassOf(app), {});
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems.map((p) => p.slice(0, p.indexOf(':')));
  }
}

/** The default as env.example writes it: '' for unset or empty, lists comma-separated. */
export function writtenDefault(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}

export function defaultOf(app: AppName, name: string): unknown {
  return (new (envClassOf(app))() as unknown as Record<string, unknown>)[name];
}

function classFile(app: AppName): string {
  return `apps/${app}/src/config/${app}.env.ts`;
}

const COMMON_FILE = 'libs/platform/src/config/common-env.ts';

/** Every way env.example and the env classes disagree, each naming the variable and the file to edit. */
export function configTableProblems(text: string): string[] {
  const { entries } = parseTable(text);
  const problems: string[] = [];
  const common = new Set(variablesOf(CommonEnv));
  const declaredBy = new Map<string, AppName[]>();
  for (const app of APPS)
    for (const name of declaredVariables(app)) declaredBy.set(name, [...(declaredBy.get(name) ?? []), app]);

  const seen = new Map<string, TableEntry>();
  for (const entry of entries) {
    const where = `${TABLE}:${entry.line}`;
    const before = seen.get(entry.name);
    if (before) {
      problems.push(`${entry.name} is listed twice in ${TABLE} (lines ${before.line} and ${entry.line}): keep one`);
      continue;
    }
    seen.set(entry.name, entry);
    if (!declaredBy.has(entry.name)) {
      problems.push(
        `${entry.name} (${where}) is declared by no env class: remove it from ${TABLE}, or declare it in apps/<app>/src/config/<app>.env.ts`,
      );
      continue;
    }
    const apps: AppName[] =
      entry.section === EVERY_APP
        ? [...APPS]
        : APPS.includes(entry.section as AppName)
          ? [entry.section as AppName]
          : [];
    if (!apps.length) {
      problems.push(
        `${entry.name} (${where}) is under "# ---- ${entry.section || '(no section)'} ----": move it to the section of an app that reads it (${(declaredBy.get(entry.name) ?? []).join(', ')}) in ${TABLE}`,
      );
      continue;
    }
    if (entry.section === EVERY_APP && !common.has(entry.name)) {
      problems.push(
        `${entry.name} (${where}) is under "every app" but is not in CommonEnv (${COMMON_FILE}): move it to the section of ${(declaredBy.get(entry.name) ?? []).join(', ')} in ${TABLE}`,
      );
      continue;
    }
    for (const app of apps) {
      if (!declaredBy.get(entry.name)?.includes(app)) {
        problems.push(
          `${entry.name} (${where}) is in the ${app} section, but ${classFile(app)} does not declare it: move it to the section of ${(declaredBy.get(entry.name) ?? []).join(', ')} in ${TABLE}`,
        );
        continue;
      }
      if (requiredVariables(app).includes(entry.name)) {
        if (!/^required\b/i.test(entry.comment))
          problems.push(
            `${entry.name} (${where}): ${app} requires it; start its comment in ${TABLE} with "required" (its value is an example)`,
          );
        continue;
      }
      const expected = writtenDefault(defaultOf(app, entry.name));
      if (entry.name === 'PORT' && entry.section === EVERY_APP) {
        if (entry.value !== '')
          problems.push(
            `PORT (${where}) differs per app: leave its value empty in ${TABLE} and name each app's default in its comment`,
          );
        else if (!new RegExp(`\\b${app} ${expected}\\b`).test(entry.comment))
          problems.push(
            `PORT (${where}): the comment in ${TABLE} must name "${app} ${expected}", the default in ${classFile(app)}`,
          );
        continue;
      }
      if (entry.value !== expected) {
        const file = common.has(entry.name) ? COMMON_FILE : classFile(app);
        problems.push(
          `${entry.name} (${where}) is "${entry.value}" in ${TABLE}, but its default in ${file} is "${expected}": write the default in ${TABLE}`,
        );
      }
    }
  }

  for (const [name, apps] of declaredBy) {
    if (seen.has(name)) continue;
    const app = apps[0];
    const required = requiredVariables(app).includes(name);
    problems.push(
      `${name} is declared in ${common.has(name) ? COMMON_FILE : classFile(app)} but missing from ${TABLE}: add "${name}=${required ? '<example>   # required, …' : writtenDefault(defaultOf(app, name))}" under "# ---- ${common.has(name) ? EVERY_APP : app} ----"`,
    );
  }
  // a CommonEnv variable is checked against every app: say each disagreement once
  return [...new Set(problems)];
}
