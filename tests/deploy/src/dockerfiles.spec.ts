/**
 * The Dockerfiles against the Nx projects, without a Docker engine: each image builds its project
 * with `nx build` from a lockfile install, runs the entry point that build writes (the output path of
 * the project's webpack config; the test target depends on the real builds), installs production
 * dependencies only from the pruned lockfile (checked with npm itself, offline), and runs as node.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { defaultPort } from './app-env';
import {
  dockerIgnored,
  Dockerfile,
  execForm,
  expand,
  instructions,
  parseCopy,
  parseDockerfile,
  readDockerignore,
  Stage,
} from './dockerfile';
import { APPS, must, ROOT, readText } from './manifests';

const runtimePackage = require(join(ROOT, 'docker/prepare-runtime-package.js')) as {
  inspect(dir: string): string[];
  prepare(dir: string, workspaceRoot: string): string[];
  requiredPackages(mainJs: string): string[];
};

interface Target {
  name: string;
  projectRoot: string;
  app: boolean;
}

const TARGETS: Target[] = [
  ...APPS.map((app) => ({ name: app, projectRoot: `apps/${app}`, app: true })),
  { name: 'migrate', projectRoot: 'tools/migrate', app: false },
];

/** Output folder and entry file of `nx build <project>`, read from its webpack config. */
function webpackOutput(projectRoot: string): { outputPath: string; main: string; generatePackageJson: boolean } {
  let options: Record<string, unknown> = {};
  let config: { output: { path: string } } | undefined;
  jest.isolateModules(() => {
    // the real plugin needs Nx's project graph; only its options are of interest here
    jest.doMock('@nx/webpack/app-plugin', () => ({
      NxAppWebpackPlugin: class {
        constructor(o: Record<string, unknown>) {
          options = o;
        }
      },
    }));
    config = require(join(ROOT, projectRoot, 'webpack.config.js')) as { output: { path: string } };
  });
  return {
    outputPath: relative(ROOT, must(config, `${projectRoot}/webpack.config.js`).output.path),
    main: (options['outputFileName'] as string | undefined) ?? 'main.js',
    generatePackageJson: options['generatePackageJson'] === true,
  };
}

function stage(file: Dockerfile, name: string): Stage {
  const found = file.stages.find((s) => s.name === name);
  if (!found) throw new Error(`no stage ${name}`);
  return found;
}

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', [...args, '--no-audit', '--no-fund', '--offline', '--loglevel=error'], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Packages `npm ci --omit=dev` would install in a prepared copy of the build output (npm's own dry run). */
function productionInstall(distDir: string): { added: Set<string>; problems: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'ams-runtime-'));
  try {
    cpSync(join(ROOT, distDir), dir, { recursive: true });
    runtimePackage.prepare(dir, ROOT);
    const out = npm(['ci', '--omit=dev', '--ignore-scripts', '--dry-run'], dir);
    const added = new Set([...out.matchAll(/^add (\S+) \S+$/gm)].map((m) => m[1]));
    return { added, problems: runtimePackage.inspect(dir) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.each(TARGETS)('docker/$name.Dockerfile', ({ name, projectRoot, app }) => {
  let file: Dockerfile;
  let output: ReturnType<typeof webpackOutput>;
  beforeAll(() => {
    file = parseDockerfile(readText(`docker/${name}.Dockerfile`));
    output = webpackOutput(projectRoot);
  });

  it('builds in stages on a slim image of a current Node LTS line', () => {
    const image = file.args['NODE_IMAGE'];
    const major = Number(/^node:(\d+)(?:\.\d+){0,2}-(?:[a-z]+-)?slim$/.exec(image)?.[1]);
    expect({ image, slim: major > 0 }).toEqual({ image, slim: true });
    expect(major % 2).toBe(0); // even lines become LTS
    expect(major).toBeGreaterThanOrEqual(22);
    expect(file.stages.map((s) => s.name)).toEqual(['build', 'deps', 'runtime']);
    for (const s of file.stages) expect(expand(s.from, file.args)).toBe(image);
  });

  it('installs from the lockfile and runs the production nx build of the project', () => {
    const build = stage(file, 'build');
    expect(instructions(build, 'WORKDIR')).toEqual(['/workspace']);
    const copies = instructions(build, 'COPY');
    expect(copies[0]).toBe('package.json package-lock.json ./');
    const runs = instructions(build, 'RUN');
    expect(runs[0]).toMatch(/^npm ci\b/);
    expect(runs.join('\n')).not.toMatch(/npm (install|i)\b/);
    // the lockfile install is cached apart from the sources: it comes before COPY . .
    expect(build.instructions.findIndex((i) => i.keyword === 'RUN')).toBeLessThan(
      build.instructions.findIndex((i) => i.keyword === 'COPY' && i.args === '. .'),
    );
    expect(runs[1]).toMatch(new RegExp(`^NODE_ENV=production npx nx build ${name}\\b`));
    expect(runs[1]).toContain(`node docker/prepare-runtime-package.js ${output.outputPath}`);
    expect(output.generatePackageJson).toBe(true);
  });

  it('installs production dependencies only, from the package.json and lockfile nx build wrote', () => {
    const deps = stage(file, 'deps');
    const copy = parseCopy(instructions(deps, 'COPY')[0]);
    expect(copy).toEqual({
      from: 'build',
      sources: [`/workspace/${output.outputPath}/package.json`, `/workspace/${output.outputPath}/package-lock.json`],
      dest: './',
    });
    expect(instructions(deps, 'RUN')).toEqual([expect.stringMatching(/^npm ci --omit=dev\b/)]);
  });

  it('runs the entry point nx build writes, as the node user, with nothing from the build stage but the bundle', () => {
    const runtime = stage(file, 'runtime');
    expect(instructions(runtime, 'WORKDIR')).toEqual(['/app']);
    const copies = instructions(runtime, 'COPY').map(parseCopy);
    expect(copies).toEqual([
      { from: 'deps', sources: ['/app/node_modules'], dest: './node_modules' },
      { from: 'build', sources: [`/workspace/${output.outputPath}/`], dest: './' },
    ]);
    expect(instructions(runtime, 'USER')).toEqual(['node']);
    expect(instructions(runtime, 'ENTRYPOINT')).toEqual([]);
    const cmd = execForm(instructions(runtime, 'CMD')[0]);
    expect(cmd).toEqual(['node', output.main]);
    // /app/<main> is <output path>/<main> of the build: it exists after `nx build`
    expect(existsSync(join(ROOT, output.outputPath, output.main))).toBe(true);
  });

  if (app) {
    it("listens on the app's default port and checks its health with node (no curl in slim images), never migrating", () => {
      const runtime = stage(file, 'runtime');
      const port = defaultPort(name);
      expect(instructions(runtime, 'ENV').join(' ')).toMatch(new RegExp(`\\bPORT=${port}\\b`));
      expect(instructions(runtime, 'EXPOSE')).toEqual([String(port)]);
      const [healthcheck] = instructions(runtime, 'HEALTHCHECK');
      const probe = execForm(healthcheck.slice(healthcheck.indexOf('CMD') + 3));
      expect(probe?.[0]).toBe('node');
      expect(probe?.join(' ')).toContain('/health/live');
      expect(healthcheck).not.toMatch(/curl|wget/);
      expect(instructions(runtime, 'CMD').join(' ')).not.toMatch(/migrat/i);
    });
  } else {
    it('is a run-to-completion command without a health check', () => {
      expect(instructions(stage(file, 'runtime'), 'HEALTHCHECK')).toEqual(['NONE']);
    });
  }

  it('starts with production dependencies only: npm installs every package the bundle requires, pg included', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, output.outputPath, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    // each is a production package of the workspace lockfile (a dependency or one of theirs), never a dev one
    const workspaceLock = JSON.parse(readText('package-lock.json')) as { packages: Record<string, { dev?: boolean }> };
    for (const dep of Object.keys(pkg.dependencies)) {
      const entry = workspaceLock.packages[`node_modules/${dep}`];
      expect({ dep, production: !!entry && !entry.dev }).toEqual({ dep, production: true });
    }

    const { added, problems } = productionInstall(output.outputPath);
    expect(problems).toEqual([]);
    const required = runtimePackage.requiredPackages(readFileSync(join(ROOT, output.outputPath, output.main), 'utf8'));
    expect(required.filter((p) => !added.has(p))).toEqual([]);
    expect(added.has('pg')).toBe(true); // TypeORM's driver, loaded at run time
    for (const dev of ['typescript', 'jest', 'webpack', 'nx', 'ts-node']) expect(added.has(dev)).toBe(false);
  });
});

describe('docker/api.Dockerfile: the dashboard', () => {
  it("builds apps/web and ships it in the api's output as web/, where the api looks without WEB_DIST_DIR", () => {
    const runs = instructions(stage(parseDockerfile(readText('docker/api.Dockerfile')), 'build'), 'RUN');
    const steps = runs[1].split('&&').map((x) => x.replace(/\\\s*$/, '').trim());
    const web = steps.findIndex((x) => /^NODE_ENV=production npx nx build web$/.test(x));
    const copy = steps.indexOf('cp -r dist/apps/web dist/apps/api/web');
    expect({ web, copy }).toEqual({ web: expect.any(Number), copy: expect.any(Number) });
    expect(web).toBeGreaterThan(0); // after the api's build, which empties dist/apps/api
    expect(copy).toBeGreaterThan(web);
    expect(readText('apps/api/src/web/web-dist.ts')).toContain("join(dirname(entry), 'web')");
  });
});

describe('docker/prepare-runtime-package.js', () => {
  it('is needed: a bundle that reaches PostgreSQL only through TypeORM gets no pg from npm ci --omit=dev without it', () => {
    const { outputPath } = webpackOutput('apps/processor');
    const dir = mkdtempSync(join(tmpdir(), 'ams-runtime-'));
    try {
      // what nx build writes for an app that never imports pg itself: TypeORM loads it at run time
      cpSync(join(ROOT, outputPath), dir, { recursive: true });
      const pkgFile = join(dir, 'package.json');
      const lockFile = join(dir, 'package-lock.json');
      const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { dependencies: Record<string, string> };
      const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as {
        packages: Record<string, { dependencies?: Record<string, string> }>;
      };
      expect(pkg.dependencies).toHaveProperty('typeorm');
      delete pkg.dependencies['pg'];
      delete lock.packages['']?.dependencies?.['pg'];
      writeFileSync(pkgFile, JSON.stringify(pkg));
      writeFileSync(lockFile, JSON.stringify(lock));
      const install = () =>
        new Set(
          [...npm(['ci', '--omit=dev', '--ignore-scripts', '--dry-run'], dir).matchAll(/^add (\S+) \S+$/gm)].map(
            (m) => m[1],
          ),
        );

      expect(install().has('pg')).toBe(false);
      expect(runtimePackage.inspect(dir)).toEqual([expect.stringMatching(/pg is loaded at run time but missing/)]);
      expect(runtimePackage.prepare(dir, ROOT)).toEqual([expect.stringMatching(/^pg@/)]);
      expect(runtimePackage.inspect(dir)).toEqual([]);
      expect(install().has('pg')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bundle that requires a package the production install lacks', () => {
    const { outputPath } = webpackOutput('apps/processor');
    const dir = mkdtempSync(join(tmpdir(), 'ams-runtime-'));
    try {
      cpSync(join(ROOT, outputPath), dir, { recursive: true });
      runtimePackage.prepare(dir, ROOT);
      const lockFile = join(dir, 'package-lock.json');
      const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as { packages: Record<string, unknown> };
      delete lock.packages['node_modules/tslib'];
      writeFileSync(lockFile, JSON.stringify(lock));
      expect(runtimePackage.inspect(dir)).toEqual([expect.stringMatching(/main\.js requires tslib/)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('.dockerignore', () => {
  const patterns = readDockerignore(readText('.dockerignore'));

  it('keeps installs, builds, caches, git and env files out of the build context', () => {
    for (const path of [
      'node_modules',
      'node_modules/nx/package.json',
      'apps/api/node_modules/x',
      'dist/apps/api/main.js',
      '.git/HEAD',
      '.nx/cache/x',
      '.env',
      'apps/api/.env.local',
      'k8s/base/kustomization.yaml',
    ]) {
      expect({ path, ignored: dockerIgnored(patterns, path) }).toEqual({ path, ignored: true });
    }
  });

  it('keeps what the build stage needs', () => {
    const needed = [
      'package.json',
      'package-lock.json',
      'nx.json',
      'tsconfig.base.json',
      'jest.preset.js',
      'eslint.config.mjs',
      'docker/prepare-runtime-package.js',
      'libs/db/src/index.ts',
      'tools/migrate/src/main.ts',
      'tools/migrate/webpack.config.js',
      ...APPS.flatMap((app) => [
        `apps/${app}/src/main.ts`,
        `apps/${app}/webpack.config.js`,
        `apps/${app}/project.json`,
        `apps/${app}/tsconfig.app.json`,
      ]),
    ];
    for (const path of needed) {
      expect(existsSync(join(ROOT, path))).toBe(true);
      expect({ path, ignored: dockerIgnored(patterns, path) }).toEqual({ path, ignored: false });
    }
  });

  it('leaves a small context (what docker build would send)', () => {
    let files = 0;
    let bytes = 0;
    const walk = (dir: string) => {
      for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
        const path = dir ? `${dir}/${entry.name}` : entry.name;
        if (dockerIgnored(patterns, path)) continue;
        if (entry.isDirectory()) walk(path);
        else {
          files += 1;
          bytes += statSync(join(ROOT, path)).size;
        }
      }
    };
    walk('');
    expect(files).toBeLessThan(3000);
    expect(bytes).toBeLessThan(20 * 1024 * 1024);
  });
});
