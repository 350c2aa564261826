/**
 * The benches' command line: `--name value` pairs, and `--flag` alone (or before another `--option`) as 'true'.
 */
export function benchArgs(argv: readonly string[] = process.argv): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 2; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) args.set(k, 'true');
    else {
      args.set(k, v);
      i++;
    }
  }
  return args;
}
