import { anchorOf, linkProblems, readmes } from './readme-links';

/** Every relative link of every README resolves inside the repository; none names a machine's path. */
describe('README links', () => {
  it('finds the READMEs of the repository', () => {
    expect(readmes()).toEqual(expect.arrayContaining(['README.md', 'apps/alerter/README.md', 'libs/ams/README.md']));
  });

  it.each(readmes())('%s: every relative link resolves inside the repository', (readme) => {
    expect(linkProblems(readme)).toEqual([]);
  });

  it('names a link to a missing file, a link out of the repository, an absolute link, a missing anchor and a machine path', () => {
    const text = [
      '# Title',
      'See [the alerter](apps/alerter/README.md), [its rules](apps/alerter/README.md#rules) and [here](#title).',
      'Broken: [gone](apps/nothing/README.md), [out](../outside.md), [abs](/etc/passwd), [anchor](apps/alerter/README.md#no-such-heading).',
      'Background: `/work/shared/ams/RESEARCH.md`.',
      '```',
      '[inside code](not/checked.md)',
      '```',
      '[web](https://example.com/x) is not checked.',
    ].join('\n');
    expect(linkProblems('README.md', text)).toEqual([
      'README.md:3: apps/nothing/README.md points at apps/nothing/README.md, which does not exist',
      'README.md:3: ../outside.md leaves the repository',
      'README.md:3: /etc/passwd is absolute: write it relative to README.md',
      'README.md:3: apps/alerter/README.md#no-such-heading: apps/alerter/README.md has no heading with the anchor #no-such-heading',
      'README.md:4: names /work/…, a path outside the repository',
    ]);
  });

  it('computes anchors as GitHub does', () => {
    expect(anchorOf('Pending marks: what makes the rollups safe to read')).toBe(
      'pending-marks-what-makes-the-rollups-safe-to-read',
    );
    expect(anchorOf('`GET /v1/performance` and the cache')).toBe('get-v1performance-and-the-cache');
    expect(anchorOf('Delivery and the exactly-once design')).toBe('delivery-and-the-exactly-once-design');
  });
});
