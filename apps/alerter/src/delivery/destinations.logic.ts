/**
 * Slack destinations by name: `default` is SLACK_WEBHOOK_URL, others come from SLACK_WEBHOOKS
 * (`name=url,name=url`). URLs are secrets: only names ever appear in logs, errors and the database.
 */
export class Destinations {
  private readonly urls = new Map<string, string>();

  constructor(defaultUrl: string | undefined, named: string | undefined) {
    for (const pair of (named ?? '').split(',')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      this.urls.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    if (defaultUrl) this.urls.set('default', defaultUrl);
  }

  /** The webhook of a destination; undefined when none is configured (the message is then logged). */
  urlOf(name: string): string | undefined {
    return this.urls.get(name);
  }

  /** Names a rule may use: `default` always (logged when it has no URL) and every configured name. */
  names(): ReadonlySet<string> {
    return new Set(['default', ...this.urls.keys()]);
  }

  /** Any webhook at all configured. */
  get configured(): boolean {
    return this.urls.size > 0;
  }
}

/** Removes URLs from an error text before it is logged or stored (a webhook URL is a secret). */
export function redactUrls(text: string): string {
  return text.replace(/\bhttps?:\/\/[^\s'"<>)]+/gi, '<url>');
}
