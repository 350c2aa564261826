/**
 * Renders the nats-server configuration of ams-sentinel from the per-app permissions (nats-permissions.ts): one
 * account with JetStream enabled, one user per app with its publish/subscribe lists. Passwords are never written:
 * each is a variable that nats-server reads from its own environment (`$INGESTOR_NATS_PASSWORD`, …), so a rendered
 * file can be committed. Clients without credentials, or with a wrong password, are refused.
 */
import { NATS_USERS, type NatsUser, natsPermissions, type NatsUserPermissions } from './nats-permissions';

/** The account every app's user belongs to (JetStream streams live in it). */
export const NATS_ACCOUNT = 'AMS';

/** The variable holding an app's password, in nats-server's environment and in the Secret: `INGESTOR_NATS_PASSWORD`. */
export function natsPasswordVariable(app: NatsUser): string {
  return `${app.toUpperCase()}_NATS_PASSWORD`;
}

/**
 * What a password must look like for nats-server to read it from its environment as a string. nats-server parses a
 * `$VARIABLE`'s value as a config value, so a value that starts with a digit may become a number, a size or a date,
 * or fail: `9e5abc`, `3.5d`, `7-abc` and `12345` all stop nats-server from starting (seen with nats-server 2.x here,
 * and a random base64url password starts with a digit one time in six). A letter first and base64url after is safe.
 */
export const NATS_PASSWORD_SHAPE = /^[A-Za-z][A-Za-z0-9_-]{15,}$/;

/** A new random password of NATS_PASSWORD_SHAPE (for the launcher and the tests; production makes its own). */
export function newNatsPassword(randomBytes: (n: number) => Buffer): string {
  return `p${randomBytes(24).toString('base64url')}`;
}

/** The key of an app's NATS user name in the Secret: `INGESTOR_NATS_USER`. */
export function natsUserVariable(app: NatsUser): string {
  return `${app.toUpperCase()}_NATS_USER`;
}

/** A NATS user name: the app's name (or `operator`). */
export function natsUserName(app: NatsUser): string {
  return app;
}

export interface NatsServerSettings {
  /** Comment lines put at the top (without `#`). */
  header: string[];
  /** A literal name, or a variable such as `$SERVER_NAME`. */
  serverName: string;
  port: number;
  /** Monitoring port (health checks); omitted when undefined. */
  httpPort?: number;
  /** Interface to listen on; omitted when undefined (all). */
  host?: string;
  storeDir: string;
  maxMemoryStore: string;
  maxFileStore: string;
  /** Write `sync_interval: always` (default true). Only for nats-server < 2.10, which does not know the field. */
  syncAlways?: boolean;
  /**
   * A member of a JetStream cluster: `cluster { name, listen, routes }`. `routes` may name every member, this one
   * included (nats-server ignores a route to itself), so all members can share one file; each member then needs its
   * own `serverName` (a variable such as `$SERVER_NAME`) and its own store.
   */
  cluster?: { name: string; listen: string; routes: string[] };
}

const q = (s: string) => JSON.stringify(s);

/** The `accounts { … }` block (nats-server config syntax) for a deployment prefix. */
export function renderNatsAccounts(prefix: string, indent = ''): string {
  const perms = natsPermissions(prefix);
  const lines: string[] = [
    `${indent}accounts {`,
    `${indent}  ${NATS_ACCOUNT} {`,
    `${indent}    jetstream: enabled`,
    `${indent}    users: [`,
  ];
  for (const app of NATS_USERS) {
    const p = indent + '      ';
    lines.push(`${p}{`);
    lines.push(`${p}  user: ${q(natsUserName(app))}`);
    lines.push(`${p}  password: $${natsPasswordVariable(app)}`);
    lines.push(`${p}  permissions: {`);
    lines.push(...renderSubjects('publish', perms[app].publish, `${p}    `));
    lines.push(...renderSubjects('subscribe', perms[app].subscribe, `${p}    `));
    if (perms[app].allowResponses) lines.push(`${p}    allow_responses: true`);
    lines.push(`${p}  }`);
    lines.push(`${p}}`);
  }
  lines.push(`${indent}    ]`, `${indent}  }`, `${indent}}`);
  return lines.join('\n');
}

function renderSubjects(kind: 'publish' | 'subscribe', s: { allow: string[]; deny: string[] }, p: string): string[] {
  const out = [`${p}${kind}: {`, `${p}  allow: [`, ...s.allow.map((x) => `${p}    ${q(x)}`), `${p}  ]`];
  if (s.deny.length) out.push(`${p}  deny: [`, ...s.deny.map((x) => `${p}    ${q(x)}`), `${p}  ]`);
  out.push(`${p}}`);
  return out;
}

/** A whole nats-server config file: the server, JetStream with fsync before every acknowledgement, the accounts. */
export function renderNatsServerConf(settings: NatsServerSettings, prefix: string): string {
  const lines = [
    ...settings.header.map((l) => (l ? `# ${l}` : '#')),
    '# GENERATED from libs/contracts/src/lib/nats-permissions.ts by `npm run nats:config`: do not edit by hand',
    '# (tests/deploy checks that this file equals what the generator renders).',
    `server_name: ${settings.serverName}`,
    ...(settings.host ? [`host: ${settings.host}`] : []),
    `port: ${settings.port}`,
    ...(settings.httpPort !== undefined ? [`http_port: ${settings.httpPort}`] : []),
    '',
    'jetstream {',
    `  store_dir: ${/^[\w./-]+$/.test(settings.storeDir) ? settings.storeDir : q(settings.storeDir)}`,
    ...(settings.syncAlways === false
      ? []
      : [
          '  # fsync before every acknowledgement. The ingestor deletes an SQS message as soon as JetStream',
          '  # acknowledges it, so an acknowledged message must already be on disk. See README "Deploying".',
          '  sync_interval: always',
        ]),
    `  max_memory_store: ${settings.maxMemoryStore}`,
    `  max_file_store: ${settings.maxFileStore}`,
    '}',
    '',
    ...(settings.cluster
      ? [
          '# a JetStream cluster: streams are replicated to NATS_STREAM_REPLICAS members (3), an acknowledgement means a',
          '# majority of them stored the message, and the stream keeps working while one member is down',
          'cluster {',
          `  name: ${settings.cluster.name}`,
          `  listen: ${settings.cluster.listen}`,
          '  routes: [',
          ...settings.cluster.routes.map((r) => `    ${r}`),
          '  ]',
          '}',
          '',
        ]
      : []),
    '# one user per app, each with the subjects it uses and no more, and an operator user for the NATS CLI',
    '# (e.g. pausing ingestion: cmd.ingestor.polling.v1); a client without credentials is refused',
    renderNatsAccounts(prefix),
    '',
  ];
  return lines.join('\n');
}

/**
 * The accounts as Helm values for the official chart's `config.merge` (YAML text, indented by `indent`): the chart
 * renders `<< $VAR >>` as a bare variable, which nats-server reads from the container's environment.
 */
export function renderNatsAccountsHelmYaml(prefix: string, indent: string): string {
  const perms = natsPermissions(prefix);
  const lines: string[] = [
    `${indent}accounts:`,
    `${indent}  ${NATS_ACCOUNT}:`,
    `${indent}    jetstream: enabled`,
    `${indent}    users:`,
  ];
  for (const app of NATS_USERS) {
    const p = `${indent}      `;
    const u: NatsUserPermissions = perms[app];
    lines.push(`${p}- user: ${natsUserName(app)}`);
    lines.push(`${p}  password: << $${natsPasswordVariable(app)} >>`);
    lines.push(`${p}  permissions:`);
    for (const kind of ['publish', 'subscribe'] as const) {
      lines.push(`${p}    ${kind}:`, `${p}      allow:`, ...u[kind].allow.map((x) => `${p}        - ${q(x)}`));
      if (u[kind].deny.length) lines.push(`${p}      deny:`, ...u[kind].deny.map((x) => `${p}        - ${q(x)}`));
    }
    if (u.allowResponses) lines.push(`${p}    allow_responses: true`);
  }
  return lines.join('\n');
}
