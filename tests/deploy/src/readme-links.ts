/**
 * The links of the READMEs: every relative link points at a file or directory of the repository (and,
 * with a `#fragment` into a Markdown file, at one of its headings); none leaves the repository, and no
 * README names a path of the machine it was written on.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ROOT } from './manifests';

/** Every README.md of the repository that git tracks or would track (node_modules, dist, .data are ignored). */
export function readmes(): string[] {
  const out = execFileSync(
    'git',
    ['ls-files', '--cached', '--others', '--exclude-standard', '--', 'README.md', '**/README.md'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  return [...new Set(out.split('\n').filter(Boolean))].filter((f) => existsSync(join(ROOT, f))).sort();
}

export interface Link {
  target: string;
  line: number;
}

/** Inline links and images `[text](target)` and reference definitions `[id]: target`, outside code. */
export function linksOf(markdown: string): Link[] {
  const links: Link[] = [];
  let fenced = false;
  markdown.split('\n').forEach((raw, i) => {
    if (/^\s*(```|~~~)/.test(raw)) {
      fenced = !fenced;
      return;
    }
    if (fenced) return;
    const text = raw.replace(/`[^`]*`/g, '``');
    for (const m of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g))
      links.push({ target: m[1], line: i + 1 });
    const def = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(\s.*)?$/.exec(text);
    if (def) links.push({ target: def[1], line: i + 1 });
  });
  return links;
}

/** GitHub's anchor of a heading (github-slugger): lower case, punctuation but `_` and `-` dropped, each space a `-`. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/<[^>]+>/g, '')
    .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
    .replace(/ /g, '-');
}

export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const counts = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const h = !fenced && /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const base = anchorOf(h[1]);
    const n = counts.get(base) ?? 0;
    counts.set(base, n + 1);
    anchors.add(n ? `${base}-${n}` : base);
  }
  return anchors;
}

const EXTERNAL = /^[a-z][a-z0-9+.-]*:/i;
/** Paths of a workstation or of the machine the work was done on: never true for a reader of the repository. */
const MACHINE_PATH = /(^|[\s`'"(])(\/work\/|\/home\/|\/Users\/|~\/|\.\.\/shared\b)/;

/** Every broken link and machine path of one README (path relative to the repository root). */
export function linkProblems(readme: string, markdown = readFileSync(join(ROOT, readme), 'utf8')): string[] {
  const problems: string[] = [];
  const dir = dirname(join(ROOT, readme));
  for (const { target, line } of linksOf(markdown)) {
    const at = `${readme}:${line}`;
    if (/^(https?|mailto):/i.test(target)) continue;
    if (EXTERNAL.test(target)) {
      problems.push(`${at}: ${target} is not a link into the repository (only http(s), mailto and relative links)`);
      continue;
    }
    if (target.startsWith('/')) {
      problems.push(`${at}: ${target} is absolute: write it relative to ${readme}`);
      continue;
    }
    const [pathPart, fragment] = target.split('#', 2);
    const file = pathPart ? resolve(dir, decodeURIComponent(pathPart)) : join(ROOT, readme);
    const inRepo = relative(ROOT, file);
    if (inRepo.startsWith('..') || inRepo.split(sep)[0] === 'node_modules') {
      problems.push(`${at}: ${target} leaves the repository`);
      continue;
    }
    if (!existsSync(file)) {
      problems.push(`${at}: ${target} points at ${inRepo || '.'}, which does not exist`);
      continue;
    }
    const headings = !fragment
      ? undefined
      : !pathPart
        ? markdown
        : file.endsWith('.md') && statSync(file).isFile()
          ? readFileSync(file, 'utf8')
          : undefined;
    if (headings !== undefined && !anchorsOf(headings).has(fragment)) {
      problems.push(`${at}: ${target}: ${inRepo} has no heading with the anchor #${fragment}`);
    }
  }
  markdown.split('\n').forEach((text, i) => {
    const m = MACHINE_PATH.exec(text);
    if (m) problems.push(`${readme}:${i + 1}: names ${m[2]}…, a path outside the repository`);
  });
  return problems;
}
