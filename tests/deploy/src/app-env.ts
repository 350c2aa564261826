/**
 * What each app reads from its environment, taken from the app itself (its env class in
 * apps/<app>/src/config/*.env.ts, validated by the same `loadConfig` the app runs at start) and from
 * env.example: a variable added to an app is checked here without editing this file.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { CommonEnv, ConfigError, loadConfig } from '@ams/platform';
import { ROOT, readText } from './manifests';

export type EnvClass = new () => CommonEnv;

const envClasses = new Map<string, EnvClass>();

/** The env class of an app: the CommonEnv subclass its config/*.env.ts exports. */
export function envClassOf(app: string): EnvClass {
  const cached = envClasses.get(app);
  if (cached) return cached;
  const dir = join(ROOT, 'apps', app, 'src', 'config');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.env.ts'))) {
    // the path is computed: the env class is read as data here, the app's code is not a dependency
    const exported = require(join(dir, file)) as Record<string, unknown>;
    for (const value of Object.values(exported)) {
      if (typeof value === 'function' && value.prototype instanceof CommonEnv) {
        envClasses.set(app, value as EnvClass);
        return value as EnvClass;
      }
    }
  }
  throw new Error(`apps/${app}/src/config has no *.env.ts exporting a CommonEnv subclass`);
}

/** Every variable the app declares (with or without a default), as loadConfig reads them. */
export function declaredVariables(app: string): string[] {
  return variablesOf(envClassOf(app));
}

/** Every variable an env class declares: its defaulted properties and the undefaulted ones class-validator knows. */
export function variablesOf(cls: new () => object): string[] {
  const names = new Set(Object.keys(new cls()));
  for (const meta of getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false))
    names.add(meta.propertyName);
  return [...names].sort();
}

export function defaultPort(app: string): number {
  return new (envClassOf(app))().PORT;
}

/**
 * Runs the app's own validation over an environment, as the app does at start. Returns the loaded
 * configuration, or the problems that would stop the app (exit 78), and, for a configuration that
 * loads, every boolean-looking value the app reads differently than it is written (`false` read as
 * true): what the manifest says must be what the app does.
 */
export function loadAppConfig(
  app: string,
  env: Record<string, string | undefined>,
): { config?: Record<string, unknown>; problems: string[] } {
  let config: Record<string, unknown>;
  try {
    config = loadConfig(app, envClassOf(app), env) as unknown as Record<string, unknown>;
  } catch (err) {
    if (err instanceof ConfigError) return { problems: err.problems.map((p) => `refuses to start: ${p}`) };
    throw err;
  }
  const problems: string[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (typeof config[name] !== 'boolean' || !raw) continue;
    const word = raw.trim().toLowerCase();
    const meant = ['1', 'true', 'yes', 'on'].includes(word)
      ? true
      : ['0', 'false', 'no', 'off'].includes(word)
        ? false
        : undefined;
    if (meant !== undefined && config[name] !== meant) problems.push(`reads ${name}=${raw} as ${String(config[name])}`);
  }
  return { config, problems };
}

export function configProblems(app: string, env: Record<string, string | undefined>): string[] {
  return loadAppConfig(app, env).problems;
}

/** `KEY=value` lines of env.example (comments and blank lines skipped). */
export function envExampleVariables(): string[] {
  return readText('env.example')
    .split('\n')
    .map((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line.trim())?.[1])
    .filter((name): name is string => !!name);
}
