import type { BacktestAction, BacktestReport, WindowFigures } from './backtest';

/** The report as a readable table with its totals (the CLI's default output). */
export function formatBacktest(r: BacktestReport): string {
  const lines: string[] = [];
  lines.push(
    `Backtest of "${r.rule.name}" (${r.rule.trigger} trigger, ${r.rule.action} on ${r.rule.entityLevel}s) for advertiser ${r.rule.advertiserId}`,
  );
  lines.push(
    `${r.from} → ${r.to} (${r.hours} h, ${r.timeZone}); ${r.judged} judgements; spend, sales and ACOS ${r.windowHours} h before → after each action`,
  );
  lines.push('');
  if (r.actions.length === 0) {
    lines.push('The rule would not have acted in this period.');
  } else {
    const rows = r.actions.map((a, i) => [
      String(i + 1),
      a.local,
      entity(a),
      `${a.field} ${a.valueBefore} → ${a.valueAsked}`,
      a.blockedBy ? `blocked: ${a.blockedBy}` : a.kind === 'rule' ? a.state : `${a.state} (${a.kind})`,
      `${a.before.spend} → ${a.after.spend}`,
      `${a.before.sales} → ${a.after.sales}`,
      `${acos(a.before)} → ${acos(a.after)}`,
    ]);
    lines.push(...table(['#', 'local time', 'entity', 'change', 'state', 'spend', 'sales', 'ACOS'], rows));
  }
  lines.push('');
  const t = r.totals;
  const guards = Object.entries(t.blockedBy)
    .map(([g, n]) => `${g} ${n}`)
    .join(', ');
  lines.push(
    `Totals: ${t.actions} action${t.actions === 1 ? '' : 's'}: ${t.wouldAct} would have been made, ${t.blocked} blocked${guards ? ` (${guards})` : ''}; budget added ${t.budgetAdded}`,
  );
  lines.push('Nothing was written: the backtest ran in one transaction, rolled back.');
  return lines.join('\n');
}

function entity(a: BacktestAction): string {
  const name = a.entityName && a.entityName !== a.entityId ? ` "${a.entityName}"` : '';
  return `${a.entityType} ${a.entityId}${name}`;
}

function acos(f: WindowFigures): string {
  return f.acos === null ? '—' : `${f.acos} %`;
}

function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}
