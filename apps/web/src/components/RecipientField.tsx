import { type KeyboardEvent, useId } from 'react';

export interface RecipientOption {
  handle: string;
  description: string;
}

/** Something to say about one addressee next to their chip: a warning blocks sending, a note does not. */
export interface RecipientNote {
  tone: 'warning' | 'note';
  text: string;
}

/** Split typed or pasted text into handles. */
export function parseHandles(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
}

/**
 * Addressees as removable chips with a text field that suggests people and units from the
 * directory (a native datalist: keyboard and screen-reader friendly without custom widgets).
 */
export function RecipientField(props: {
  label: string;
  help: string;
  values: string[];
  draft: string;
  options: RecipientOption[];
  nameOf: (handle: string) => string;
  onChange: (values: string[], draft: string) => void;
  /** A warning or note per addressee (e.g. not cleared for the chosen label). */
  noteOf?: (handle: string) => RecipientNote | undefined;
  disabled?: boolean;
}) {
  const { label, help, values, draft, options, nameOf, onChange, noteOf, disabled } = props;
  const id = useId();
  const listId = `${id}-list`;
  const helpId = `${id}-help`;

  function commit(text: string) {
    const fresh = parseHandles(text).filter((h) => !values.includes(h));
    onChange([...values, ...new Set(fresh)], '');
  }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === 'Enter' || e.key === ',' || e.key === ';') {
      if (draft.trim()) {
        e.preventDefault();
        commit(draft);
      } else if (e.key !== 'Enter') {
        e.preventDefault();
      }
    } else if (e.key === 'Backspace' && draft === '' && values.length > 0) {
      onChange(values.slice(0, -1), '');
    }
  }

  function onInput(value: string, inputType: string | undefined) {
    // Picking a suggestion replaces the whole text at once: take it as an addressee straight away.
    const picked = inputType === undefined || inputType === 'insertReplacementText';
    if (picked && options.some((o) => o.handle === value.trim().toLowerCase())) commit(value);
    else onChange(values, value);
  }

  return (
    <div className="field recipients">
      <label htmlFor={id}>{label}</label>
      {values.length > 0 && (
        <ul className="chips" aria-label={`${label} addressees`}>
          {values.map((h) => {
            const note = noteOf?.(h);
            return (
              <li key={h} className={note ? `chip chip-has-${note.tone}` : 'chip'}>
                <span>{nameOf(h) === h ? h : `${nameOf(h)} (${h})`}</span>
                {note && (
                  <span className="chip-note">
                    <span aria-hidden="true">{note.tone === 'warning' ? '⚠ ' : '— '}</span>
                    <span className="visually-hidden">, </span>
                    {note.text}
                  </span>
                )}
                <button
                  type="button"
                  className="chip-remove"
                  onClick={() =>
                    onChange(
                      values.filter((v) => v !== h),
                      draft,
                    )
                  }
                  aria-label={`Remove ${nameOf(h)} from ${label}`}
                  disabled={disabled}
                >
                  ×
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <div className="recipient-entry">
        <input
          id={id}
          list={listId}
          value={draft}
          onChange={(e) => onInput(e.target.value, (e.nativeEvent as InputEvent).inputType)}
          onKeyDown={onKeyDown}
          onBlur={() => draft.trim() && commit(draft)}
          aria-describedby={helpId}
          autoComplete="off"
          spellCheck={false}
          disabled={disabled}
        />
        <datalist id={listId}>
          {options
            .filter((o) => !values.includes(o.handle))
            .map((o) => (
              <option key={o.handle} value={o.handle} label={o.description} />
            ))}
        </datalist>
      </div>
      <p id={helpId} className="help">
        {help}
      </p>
    </div>
  );
}
