import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheControlFor, inlineScriptHashes, resolveWebDist } from './web-dist';

describe('the dashboard build: where, which scripts, how long cached', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'web-dist-'));
    for (const dir of ['image/web', 'ws/dist/apps/web', 'ws/dist/apps/api', 'empty'])
      mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(join(root, 'image/web/index.html'), '<html></html>');
    writeFileSync(join(root, 'ws/dist/apps/web/index.html'), '<html></html>');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('finds web/ beside main.js (the image), then ../web (dist/apps), then dist/apps/web under the working directory', () => {
    expect(resolveWebDist('', join(root, 'image/main.js'), '/nowhere')).toBe(join(root, 'image/web'));
    expect(resolveWebDist('', join(root, 'ws/dist/apps/api/main.js'), '/nowhere')).toBe(join(root, 'ws/dist/apps/web'));
    expect(resolveWebDist('', '/nowhere/main.js', join(root, 'ws'))).toBe(join(root, 'ws/dist/apps/web'));
    expect(resolveWebDist('', '/nowhere/main.js', '/nowhere')).toBeNull();
  });

  it('takes WEB_DIST_DIR as it is, relative to the working directory, and null without an index.html', () => {
    expect(resolveWebDist('image/web', '/x/main.js', root)).toBe(join(root, 'image/web'));
    expect(resolveWebDist(join(root, 'empty'), join(root, 'image/main.js'), root)).toBeNull();
  });

  it('hashes inline scripts only (not those with src)', () => {
    expect(
      inlineScriptHashes('<script type="module" src="/assets/a-12345678.js"></script><script>x()</script>'),
    ).toEqual([
      // echo -n 'x()' | openssl dgst -sha256 -binary | base64
      "'sha256-D6IGS8VMvCoyaR/l0h9tERrBTATY01CoPS7l6xDv0kI='",
    ]);
    expect(inlineScriptHashes('<script src="/a.js"></script>')).toEqual([]);
  });

  it('caches hashed assets for a year, everything else revalidated', () => {
    expect(cacheControlFor('/srv/web/assets/index-BxYz12_a.js')).toBe('public, max-age=31536000, immutable');
    expect(cacheControlFor('/srv/web/assets/uPlot-C4nnc3Aw.css')).toBe('public, max-age=31536000, immutable');
    expect(cacheControlFor('/srv/web/index.html')).toBe('no-cache');
    expect(cacheControlFor('/srv/web/favicon.svg')).toBe('no-cache');
  });
});
