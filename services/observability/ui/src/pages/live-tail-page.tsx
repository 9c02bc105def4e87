import { useEffect, useRef, useState } from 'react';
import { liveTailUrl, storedKey } from '../api-client';
import type { LiveTailMessage, RequestRecord } from '../api-types';
import { RequestTable } from '../components/request-table';

/** Records kept on screen; older ones drop off the bottom. */
const SHOWN = 200;

type Connection = { state: 'connecting' } | { state: 'live'; workspaces: string[] | 'all' } | { state: 'closed'; reason: string };

/** Requests as they are recorded, over the WebSocket `/v1/requests/live`. */
export function LiveTailPage({ onOpen }: { onOpen: (id: string) => void }) {
  const [records, setRecords] = useState<RequestRecord[]>([]);
  const [connection, setConnection] = useState<Connection>({ state: 'connecting' });
  const [paused, setPaused] = useState(false);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const socket = new WebSocket(liveTailUrl());
    setConnection({ state: 'connecting' });
    // The first message authenticates: a browser cannot set an Authorization header on a WebSocket.
    socket.onopen = () => socket.send(JSON.stringify({ type: 'auth', key: storedKey() ?? '' }));
    socket.onmessage = (message: MessageEvent<string>) => {
      const parsed = JSON.parse(message.data) as LiveTailMessage;
      if (parsed.type === 'ready') setConnection({ state: 'live', workspaces: parsed.workspaces });
      else if (parsed.type === 'request' && !pausedRef.current) setRecords((shown) => [parsed.data, ...shown].slice(0, SHOWN));
    };
    socket.onclose = (event) => setConnection({ state: 'closed', reason: event.reason || `closed (${event.code})` });
    return () => socket.close(1000, 'page left');
  }, [attempt]);

  return (
    <section>
      <header className="page-header">
        <h1>Live</h1>
        <span className={`connection connection-${connection.state}`} data-testid="live-status">
          {connection.state === 'live' && 'live'}
          {connection.state === 'connecting' && 'connecting…'}
          {connection.state === 'closed' && `disconnected: ${connection.reason}`}
        </span>
        {connection.state === 'closed' ? (
          <button type="button" onClick={() => setAttempt(attempt + 1)}>
            Reconnect
          </button>
        ) : (
          <button type="button" onClick={() => setPaused(!paused)}>
            {paused ? 'Resume' : 'Pause'}
          </button>
        )}
        <button type="button" onClick={() => setRecords([])}>
          Clear
        </button>
      </header>
      {records.length === 0 ? <p className="muted">Waiting for requests…</p> : <RequestTable requests={records} onOpen={onOpen} testId="live-list" />}
    </section>
  );
}
