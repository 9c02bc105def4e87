import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { getJson } from '../api-client';
import type { ListAnswer, RequestRecord, Trace } from '../api-types';
import { LoadState } from '../components/load-state';
import { RequestTable } from '../components/request-table';
import { TraceTree } from '../components/trace-tree';
import { formatCount, formatMs, formatTime, formatUsd } from '../format';
import { RangePicker, rangeWindow, type RangeName } from '../time-range';
import { useApi } from '../use-api';

interface Filters {
  model: string;
  provider: string;
  status: string;
  workspace: string;
}

const NO_FILTERS: Filters = { model: '', provider: '', status: '', workspace: '' };

/** Recorded requests (`/v1/requests`) with filters; one opens with its trace tree (`/v1/traces/{id}`). */
export function RequestsPage({ openId, onOpen }: { openId: string | null; onOpen: (id: string | null) => void }) {
  const [range, setRange] = useState<RangeName>('24h');
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const period = useMemo(() => rangeWindow(range), [range]);
  const [pages, setPages] = useState<RequestRecord[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const first = useApi<ListAnswer<RequestRecord>>('/v1/requests', { ...filters, from: period.from, limit: 50 });

  useEffect(() => {
    setPages([]);
    setCursor(first.state === 'loaded' ? (first.data.next_cursor ?? null) : null);
  }, [first]);

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilters(draft);
  };
  const more = () => {
    if (!cursor) return;
    void getJson<ListAnswer<RequestRecord>>('/v1/requests', { ...filters, from: period.from, limit: 50, cursor }).then((page) => {
      setPages((shown) => [...shown, ...page.data]);
      setCursor(page.next_cursor ?? null);
    });
  };

  return (
    <section>
      <header className="page-header">
        <h1>Requests</h1>
        <RangePicker value={range} onChange={setRange} />
      </header>
      <form className="filters" onSubmit={apply} aria-label="Filters">
        <label>
          Model <input name="model" value={draft.model} onChange={(event) => setDraft({ ...draft, model: event.target.value })} />
        </label>
        <label>
          Provider <input name="provider" value={draft.provider} onChange={(event) => setDraft({ ...draft, provider: event.target.value })} />
        </label>
        <label>
          Workspace <input name="workspace" value={draft.workspace} onChange={(event) => setDraft({ ...draft, workspace: event.target.value })} />
        </label>
        <label>
          Status{' '}
          <select name="status" value={draft.status} onChange={(event) => setDraft({ ...draft, status: event.target.value })}>
            <option value="">any</option>
            <option value="succeeded">succeeded</option>
            <option value="failed">failed</option>
            <option value="cancelled">cancelled</option>
          </select>
        </label>
        <button type="submit">Apply</button>
      </form>
      {openId && <RequestDetail id={openId} onClose={() => onOpen(null)} />}
      <LoadState loaded={first} what="requests">
        {(answer) => (
          <>
            {answer.data.length === 0 ? (
              <p className="muted" data-testid="no-requests">
                No requests match.
              </p>
            ) : (
              <RequestTable requests={[...answer.data, ...pages]} onOpen={onOpen} testId="request-list" />
            )}
            {cursor && (
              <button type="button" onClick={more}>
                Load more
              </button>
            )}
          </>
        )}
      </LoadState>
    </section>
  );
}

function RequestDetail({ id, onClose }: { id: string; onClose: () => void }) {
  const record = useApi<RequestRecord>(`/v1/requests/${encodeURIComponent(id)}`, {});
  return (
    <article className="detail" data-testid="request-detail">
      <header className="page-header">
        <h2>Request {id}</h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </header>
      <LoadState loaded={record} what="the request">
        {(data) => (
          <>
            <dl className="fields">
              <Field name="Time" value={formatTime(data.created_at)} />
              <Field name="Workspace" value={data.workspace} />
              <Field name="User" value={data.user} />
              <Field name="Session" value={data.session_id} />
              <Field name="Operation" value={data.operation} />
              <Field name="Requested model" value={data.requested_model} />
              <Field name="Served model" value={data.served_model} />
              <Field name="Deployment" value={data.deployment} />
              <Field name="Status" value={`${data.status} (${data.http_status})`} />
              <Field name="Error" value={data.error ? `${data.error.class}: ${data.error.message}` : null} />
              <Field name="Latency" value={formatMs(data.latency_ms)} />
              <Field name="Time to first token" value={formatMs(data.time_to_first_token_ms)} />
              <Field name="Tokens in / out" value={`${formatCount(data.usage.input_tokens)} / ${formatCount(data.usage.output_tokens)}`} />
              <Field name="Cost" value={formatUsd(data.cost_usd)} />
              <Field name="Cache" value={data.cache_status} />
              <Field name="Tags" value={data.tags.join(', ') || null} />
              <Field name="Trace" value={data.trace_id} />
            </dl>
            <TraceSection traceId={data.trace_id} />
          </>
        )}
      </LoadState>
    </article>
  );
}

function Field({ name, value }: { name: string; value: string | null }) {
  return (
    <>
      <dt>{name}</dt>
      <dd>{value ?? '—'}</dd>
    </>
  );
}

function TraceSection({ traceId }: { traceId: string }) {
  const trace = useApi<Trace>(`/v1/traces/${encodeURIComponent(traceId)}`, {});
  return (
    <LoadState loaded={trace} what="the trace">
      {(data) => <TraceTree trace={data} />}
    </LoadState>
  );
}
