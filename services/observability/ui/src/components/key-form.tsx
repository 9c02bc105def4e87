import { useState, type FormEvent } from 'react';

/** Asks for the Switchyard key the dashboard reads with; kept in this tab's sessionStorage only. */
export function KeyForm({ onKey }: { onKey: (key: string) => void }) {
  const [key, setKey] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onKey(key.trim());
  };
  return (
    <form className="key-form" onSubmit={submit}>
      <h1>Switchyard</h1>
      <p>
        Enter a Switchyard key (a virtual key <code>sk-sy-…</code> with read access, or the admin token). It stays in this browser tab only. Leave it
        empty when this Switchyard asks for no credential.
      </p>
      <label>
        Key <input name="key" type="password" autoComplete="off" value={key} onChange={(event) => setKey(event.target.value)} />
      </label>
      <button type="submit">Open the dashboard</button>
    </form>
  );
}
