import { useId, useState } from 'preact/hooks';

/** Ask once for a key (a customer's access key, or the owner's admin key); the page keeps it. */
export function KeyForm({ label, intro, problem, onKey }: { label: string; intro: string; problem?: string | undefined; onKey: (key: string) => void }) {
  const [value, setValue] = useState('');
  const id = useId();
  return (
    <form
      class="key-form"
      onSubmit={(event) => {
        event.preventDefault();
        if (value.trim()) onKey(value.trim());
      }}
    >
      <p>{intro}</p>
      {problem && (
        <p class="chat-error" role="alert">
          {problem}
        </p>
      )}
      <label for={id}>{label}</label>
      <input id={id} type="password" autocomplete="off" required value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
      <button type="submit">Continue</button>
    </form>
  );
}
