import { useRoute } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { api, qs } from '../api/client';
import type { Action, ActionRule, AutomationState } from '../api/types';
import { CommandButton } from '../components/command-button';
import { Empty, Loaded } from '../components/states';
import { formatDateTime } from '../lib/format';
import { useResource } from '../lib/use-resource';
import { useAdvertiser, useCan, useLiveRefresh } from '../session';

interface AutomationData {
  state: AutomationState;
  pending: Action[];
  done: Action[];
  recent: Action[];
}

const decide = (id: string, what: 'approve' | 'reject' | 'revert') =>
  api(`/v1/actions/${encodeURIComponent(id)}/${what}`, { method: 'POST', body: {} });

/** Proposals awaiting approval, executed actions (revertible), recent actions, rules and the kill switch. */
export default function Automation() {
  const { params } = useRoute();
  const advertiserId = params['advertiserId'];
  const adv = useAdvertiser(advertiserId);
  const canOperate = useCan('operator');
  const isAdmin = useCan('admin');
  const tz = adv.timeZone;

  useEffect(() => {
    document.title = `Automation · ${adv.name ?? advertiserId} · ams-sentinel`;
  }, [advertiserId, adv.name]);

  const r = useResource<AutomationData>(
    async (signal) => {
      const list = (state?: string, limit = 100) =>
        api<{ data: Action[] }>(`/v1/actions${qs({ advertiserId, state, limit })}`, { signal }).then((x) => x.data);
      const [state, pending, done, recent] = await Promise.all([
        api<AutomationState>('/v1/automation', { signal }),
        list('pending_approval'),
        list('done'),
        list(undefined, 50),
      ]);
      return { state, pending, done, recent };
    },
    [advertiserId],
  );
  // through the alerter (up to 10 s, 503 without it): apart, so it never holds up the rest of the page
  const rules = useResource(
    (signal) => api<{ data: ActionRule[] }>(`/v1/action-rules${qs({ advertiserId })}`, { signal }).then((x) => x.data),
    [advertiserId],
  );

  useLiveRefresh((e) => e.type === 'action' && e.advertiserId === advertiserId, r.reload);

  return (
    <section>
      <h1>Automation</h1>
      <Loaded r={r}>
        {(d) => (
          <>
            <KillSwitch state={d.state} canChange={isAdmin} done={r.reload} tz={tz} />

            <h2>Awaiting approval</h2>
            {d.pending.length ? (
              <ActionTable
                caption="Proposals awaiting approval"
                rows={d.pending}
                tz={tz}
                commands={
                  canOperate
                    ? (a) => (
                        <div class="actions">
                          <CommandButton run={() => decide(a.id, 'approve')} done={r.reload}>
                            Approve
                          </CommandButton>
                          <CommandButton variant="secondary" run={() => decide(a.id, 'reject')} done={r.reload}>
                            Reject
                          </CommandButton>
                        </div>
                      )
                    : undefined
                }
              />
            ) : (
              <Empty>No proposal is waiting for approval.</Empty>
            )}

            <h2>Executed</h2>
            {d.done.length ? (
              <ActionTable
                caption="Executed actions"
                rows={d.done}
                tz={tz}
                commands={
                  canOperate
                    ? (a) =>
                        a.revertedByActionId ? (
                          <span class="muted">reverted by {a.revertedByActionId}</span>
                        ) : (
                          <CommandButton variant="secondary" run={() => decide(a.id, 'revert')} done={r.reload}>
                            Revert
                          </CommandButton>
                        )
                    : undefined
                }
              />
            ) : (
              <Empty>No action has been executed for this advertiser.</Empty>
            )}

            <h2>Recent actions</h2>
            {d.recent.length ? (
              <ActionTable caption="The 50 latest actions, every state" rows={d.recent} tz={tz} showState />
            ) : (
              <Empty>No action yet.</Empty>
            )}
          </>
        )}
      </Loaded>
      <h2>Rules</h2>
      <Loaded r={rules}>
        {(list) =>
          list.length ? (
            <div class="table-wrap">
              <table>
                <caption>Action rules of this advertiser</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Level</th>
                    <th scope="col">Mode</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((x) => (
                    <tr key={x.id}>
                      <th scope="row">{x.name}</th>
                      <td>{x.entityLevel}</td>
                      <td>{x.mode}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <Empty>No action rule for this advertiser.</Empty>
          )
        }
      </Loaded>
    </section>
  );
}

function KillSwitch({
  state,
  canChange,
  done,
  tz,
}: {
  state: AutomationState;
  canChange: boolean;
  done: () => void;
  tz: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const toggle = async (enabled: boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      await api('/v1/automation', { method: 'PUT', body: { enabled } });
      done();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="notice">
      {canChange ? (
        <label class="switch">
          <input
            type="checkbox"
            role="switch"
            checked={state.switchEnabled}
            disabled={busy}
            onChange={(e) => toggle((e.currentTarget as HTMLInputElement).checked)}
          />
          Automation enabled
        </label>
      ) : (
        <p class="switch">Automation is {state.enabled ? 'enabled' : 'disabled'}.</p>
      )}
      {!state.envEnabled ? (
        <p>AUTOMATION_ENABLED is off in the connector's environment: nothing executes whatever the switch says.</p>
      ) : null}
      <p class="muted">
        {state.updatedAt
          ? `Switch last changed ${formatDateTime(state.updatedAt, tz)}${state.updatedBy ? ` by ${state.updatedBy}` : ''}. `
          : ''}
        Daily cap on budget increases: {state.defaultMaxDailyBudgetIncrease} by default.
      </p>
      {error ? (
        <p class="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

function ActionTable({
  caption,
  rows,
  tz,
  commands,
  showState,
}: {
  caption: string;
  rows: Action[];
  tz: string;
  commands?: (a: Action) => preact.ComponentChildren;
  showState?: boolean;
}) {
  return (
    <div class="table-wrap">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">What</th>
            <th scope="col">Change</th>
            <th scope="col">Rule</th>
            <th scope="col">When (local)</th>
            {showState ? <th scope="col">State</th> : null}
            {commands ? <th scope="col">Decision</th> : null}
          </tr>
        </thead>
        <tbody>
          {rows.map((a) => (
            <tr key={a.id}>
              <th scope="row">
                {a.reason}
                {a.stateReason ? <div class="muted">{a.stateReason}</div> : null}
              </th>
              <td>
                {a.field}: {a.valueBefore} → {a.valueAsked}
                {a.valueAfter !== null && a.valueAfter !== a.valueAsked ? ` (Amazon: ${a.valueAfter})` : ''}
              </td>
              <td>{a.ruleName ?? '—'}</td>
              <td>
                {formatDateTime(a.executedAt ?? a.createdAt, tz)}
                {a.expiresAt && a.state === 'pending_approval' ? (
                  <div class="muted">expires {formatDateTime(a.expiresAt, tz)}</div>
                ) : null}
              </td>
              {showState ? <td>{a.state}</td> : null}
              {commands ? <td>{commands(a)}</td> : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
