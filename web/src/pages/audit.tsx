// The audit log (platform admins only): credential token reads and changes, role binding
// changes, newest first. The API offers no watch stream for it (audit records write no
// events), so it is read when the page opens and when "Refresh" is pressed — never polled.
import { useEffect, useState } from "preact/hooks";
import { ApiError, api } from "../api/client";
import { AuditEvent, List } from "../api/types";
import { Select } from "../components/field";
import { EmptyState, ErrorNotice } from "../components/notices";
import { RelativeTime } from "../components/relative_time";
import { ObjectName } from "../components/object_name";
import { useAction } from "../components/use_action";
import { credentialPath } from "../router";

const kPage = 200;

function query(outcome: string): string {
  const search = outcome ? `&search=${encodeURIComponent(`outcome = '${outcome}'`)}` : "";
  return `/audit_events?size=${kPage}${search}`;
}

export function AuditPage() {
  const [events, setEvents] = useState<List<AuditEvent> | undefined>(undefined);
  const [outcome, setOutcome] = useState("");
  const action = useAction();
  const load = () => void action.run(async () => setEvents(await api<List<AuditEvent>>("GET", query(outcome))));
  useEffect(load, [outcome]);
  return (
    <main>
      <div class="page-head">
        <h1>Audit log</h1>
        <button type="button" onClick={load} disabled={action.busy}>
          Refresh
        </button>
      </div>
      <p class="hint">
        Credential token reads and changes and role binding changes, newest first. This page does not update by itself (the
        API has no watch stream for the audit log): press Refresh.
      </p>
      <div class="filter">
        <Select id="audit-outcome" label="Outcome" value={outcome} onChange={setOutcome}>
          <option value="">any</option>
          <option value="allowed">allowed</option>
          <option value="denied">denied</option>
        </Select>
      </div>
      <ErrorNotice error={action.error} />
      {action.error instanceof ApiError && action.error.status === 403 && (
        <p>Only platform admins read the audit log. Ask one, or sign in with the service token.</p>
      )}
      {events && events.items.length === 0 && <EmptyState>Nothing recorded yet. Token reads and credential changes appear here.</EmptyState>}
      {events && events.items.length > 0 && (
        <>
          <p class="muted">
            The newest {events.items.length} of {events.total}.
          </p>
          <table class="cards">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {events.items.map((e) => (
                <tr key={e.id}>
                  <td data-label="When">
                    <RelativeTime value={e.created_at} />
                  </td>
                  <td data-label="Actor">
                    {e.actor} <span class="muted">({e.actor_kind})</span>
                  </td>
                  <td data-label="Action">{e.action}</td>
                  <td data-label="Target">
                    {e.target_kind}{" "}
                    {e.target_kind === "credential" && e.target_id ? (
                      <a href={credentialPath(e.target_id)}>
                        <ObjectName kind="credentials" id={e.target_id} />
                      </a>
                    ) : (
                      <code>{e.target_id ?? "—"}</code>
                    )}
                  </td>
                  <td data-label="Outcome">
                    <span class={e.outcome === "denied" ? "run-failed" : undefined}>{e.outcome}</span>
                    {e.reason && <span class="muted"> — {e.reason}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </main>
  );
}
