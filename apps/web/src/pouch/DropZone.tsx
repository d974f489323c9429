import { type DragEvent, useId, useRef, useState } from 'react';
import { byteSize } from '../format.ts';

/**
 * Where documents are added: drop files anywhere on the zone, or use the "Choose files" button
 * (keyboard and screen readers). The file input itself stays hidden; the button opens it.
 */
export function DropZone({ files, onChange, disabled }: { files: File[]; onChange: (files: File[]) => void; disabled?: boolean }) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const id = useId();
  const add = (more: File[]) => {
    // The same file twice (same name, size and date) is added once.
    const key = (f: File) => `${f.name}\u0000${f.size}\u0000${f.lastModified}`;
    const known = new Set(files.map(key));
    onChange([...files, ...more.filter((f) => !known.has(key(f)))]);
  };
  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setOver(false);
    if (disabled) return;
    add([...e.dataTransfer.files]);
  };
  const total = files.reduce((sum, f) => sum + f.size, 0);
  return (
    <fieldset className="pouch-documents" disabled={disabled}>
      <legend>Documents</legend>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: a drop target for the mouse; the button inside is the keyboard's way in */}
      <div
        className={over ? 'drop-zone drop-zone-over' : 'drop-zone'}
        data-testid="drop-zone"
        onDragEnter={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragOver={(e) => {
          e.preventDefault();
          e.dataTransfer.dropEffect = disabled ? 'none' : 'copy';
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <p className="drop-zone-title" id={`${id}-hint`}>
          Drag and drop files here
        </p>
        <p className="subtle">or</p>
        <button type="button" onClick={() => input.current?.click()} aria-describedby={`${id}-hint ${id}-help`}>
          Choose files…
        </button>
        <input
          ref={input}
          type="file"
          name="pouch-documents"
          multiple
          hidden
          aria-label="Documents to seal"
          onChange={(e) => {
            add([...(e.target.files ?? [])]);
            e.target.value = '';
          }}
        />
        <p className="help" id={`${id}-help`}>
          Any kind of file. They are encrypted in this browser; the server only ever sees the sealed pouch.
        </p>
      </div>
      {files.length > 0 && (
        <>
          <ul className="pouch-file-list" aria-label="Documents in the pouch">
            {files.map((f, i) => (
              <li key={`${f.name}-${f.size}-${f.lastModified}`}>
                <span className="pouch-file-name">{f.name}</span> <span className="subtle">{byteSize(f.size)}</span>
                <button
                  type="button"
                  className="link-button"
                  aria-label={`Remove ${f.name}`}
                  onClick={() => onChange(files.filter((_, j) => j !== i))}
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
          <p className="help" role="status">
            {files.length} {files.length === 1 ? 'document' : 'documents'}, {byteSize(total)} in all.
          </p>
        </>
      )}
    </fieldset>
  );
}
