#!/usr/bin/env node
/**
 * Makes a built project's dist folder ready for `npm ci --omit=dev` in a runtime image.
 *
 * `nx build <app>` writes dist/<project>/package.json and a pruned package-lock.json (webpack's
 * generatePackageJson) from the imports it can see. Two things it cannot see are handled here:
 *   - packages loaded dynamically: TypeORM's postgres driver `require`s `pg` at run time, so Nx leaves
 *     `pg` out of package.json (the pruned lockfile still holds it as TypeORM's peer). It is added to
 *     package.json and to the lockfile's root entry at the version the workspace pins.
 *   - every package main.js `require`s must be installed at the top level of node_modules by that
 *     lockfile and not be a dev dependency; otherwise the image would build and then crash at start.
 *
 * Usage (Docker build stage):  node docker/prepare-runtime-package.js dist/apps/processor
 *        check only, no writes: node docker/prepare-runtime-package.js dist/apps/processor --check
 * Exits 1 naming every problem. Plain Node, no dependencies: it runs before anything is installed.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { builtinModules } = require('node:module');

/** package in package.json → packages it loads at run time without an import Nx could see */
const DYNAMIC_DEPENDENCIES = { typeorm: ['pg'] };

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** Bare package names main.js requires (node builtins and relative paths left out). */
function requiredPackages(mainJs) {
  const names = new Set();
  for (const m of mainJs.matchAll(/\brequire\(\s*["']([^"'./][^"']*)["']\s*\)/g)) {
    const spec = m[1];
    if (spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0])) continue;
    const parts = spec.split('/');
    names.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
  }
  return [...names].sort();
}

/** Packages that must be in package.json: its own dependencies plus the dynamic ones they need. */
function wantedDynamic(pkg) {
  const deps = pkg.dependencies || {};
  return Object.entries(DYNAMIC_DEPENDENCIES)
    .filter(([host]) => deps[host])
    .flatMap(([, loaded]) => loaded)
    .filter((name) => !deps[name]);
}

/**
 * Problems that would stop the app from starting after `npm ci --omit=dev` of this folder
 * (empty when it is ready). `distDir` holds main.js, package.json, package-lock.json.
 */
function inspect(distDir) {
  const problems = [];
  const pkg = readJson(path.join(distDir, 'package.json'));
  const lock = readJson(path.join(distDir, 'package-lock.json'));
  const deps = pkg.dependencies || {};
  const installed = lock.packages || {};
  for (const name of wantedDynamic(pkg)) {
    problems.push(`${name} is loaded at run time but missing from package.json dependencies`);
  }
  const lockRoot = (installed[''] && installed[''].dependencies) || {};
  for (const [name, range] of Object.entries(deps)) {
    if (lockRoot[name] !== range)
      problems.push(`${name}@${range} in package.json but not in package-lock.json's root entry (npm ci would refuse)`);
    const entry = installed[`node_modules/${name}`];
    if (!entry) problems.push(`${name} is a dependency but package-lock.json does not install it`);
    else if (entry.dev) problems.push(`${name} is installed only as a dev dependency`);
  }
  const main = path.join(distDir, pkg.main || 'main.js');
  if (!fs.existsSync(main)) problems.push(`${path.relative(process.cwd(), main)} does not exist (run nx build first)`);
  else {
    for (const name of requiredPackages(fs.readFileSync(main, 'utf8'))) {
      const entry = installed[`node_modules/${name}`];
      if (!entry) problems.push(`main.js requires ${name}, which the production install does not put in node_modules`);
      else if (entry.dev) problems.push(`main.js requires ${name}, which is a dev dependency (left out by --omit=dev)`);
    }
  }
  return problems;
}

/** Adds the dynamically loaded packages to package.json and the lockfile root, pinned like the workspace. */
function prepare(distDir, workspaceRoot) {
  const pkgFile = path.join(distDir, 'package.json');
  const lockFile = path.join(distDir, 'package-lock.json');
  const pkg = readJson(pkgFile);
  const lock = readJson(lockFile);
  const workspace = readJson(path.join(workspaceRoot, 'package.json'));
  const added = [];
  for (const name of wantedDynamic(pkg)) {
    const version = (workspace.dependencies || {})[name];
    const entry = lock.packages[`node_modules/${name}`];
    if (!version) throw new Error(`${name} must be a dependency in the workspace package.json`);
    if (!entry) throw new Error(`${name} is not in ${lockFile}: the pruned lockfile cannot install it`);
    if (entry.version !== version)
      throw new Error(`${lockFile} has ${name}@${entry.version}, the workspace pins ${version}`);
    pkg.dependencies = sortKeys({ ...pkg.dependencies, [name]: version });
    lock.packages[''].dependencies = sortKeys({ ...lock.packages[''].dependencies, [name]: version });
    added.push(`${name}@${version}`);
  }
  fs.writeFileSync(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
  fs.writeFileSync(lockFile, `${JSON.stringify(lock, null, 2)}\n`);
  return added;
}

function sortKeys(obj) {
  return Object.fromEntries(Object.entries(obj).sort(([a], [b]) => a.localeCompare(b)));
}

module.exports = { DYNAMIC_DEPENDENCIES, inspect, prepare, requiredPackages };

if (require.main === module) {
  const [distDir, flag] = process.argv.slice(2);
  if (!distDir) {
    process.stderr.write('usage: node docker/prepare-runtime-package.js <dist dir> [--check]\n');
    process.exit(2);
  }
  try {
    if (flag !== '--check') {
      const added = prepare(distDir, path.resolve(__dirname, '..'));
      if (added.length) process.stdout.write(`${distDir}: added ${added.join(', ')}\n`);
    }
    const problems = inspect(distDir);
    if (problems.length) {
      process.stderr.write(
        `${distDir} is not ready for npm ci --omit=dev:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`,
      );
      process.exit(1);
    }
    process.stdout.write(`${distDir}: every package main.js requires is a production dependency\n`);
  } catch (err) {
    process.stderr.write(`${distDir}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
