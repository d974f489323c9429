/**
 * Choosing attachments and following each one as it is read, encrypted in this browser and
 * uploaded (the SDK reports the encrypting/uploading stages per file).
 */
import type { OutgoingAttachment } from '@valise/sdk';
import { LIMITS } from '@valise/sdk/browser';
import { type RefObject, useId } from 'react';
import { byteSize } from '../format.ts';

export type FileStage = 'waiting' | 'reading' | 'encrypting' | 'uploading' | 'uploaded';
export interface FileProgress {
  stage: FileStage;
  /** 0..1 across the whole journey of the file. */
  fraction: number;
}

const STAGE_TEXT: Record<FileStage, string> = {
  waiting: 'Waiting',
  reading: 'Reading',
  encrypting: 'Encrypting in this browser',
  uploading: 'Uploading (encrypted)',
  uploaded: 'Uploaded',
};

/** Read a file with progress (FileReader reports bytes read). */
function readFile(file: File, onFraction: (f: number) => void): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onprogress = (e) => e.lengthComputable && onFraction(e.loaded / e.total);
    reader.onload = () => resolve(new Uint8Array(reader.result as ArrayBuffer));
    reader.onerror = () => reject(reader.error ?? new Error(`could not read ${file.name}`));
    reader.readAsArrayBuffer(file);
  });
}

/** Read the chosen files into attachments whose progress lands in `onProgress(index, progress)`. */
export async function toAttachments(files: File[], onProgress: (index: number, p: FileProgress) => void): Promise<OutgoingAttachment[]> {
  const out: OutgoingAttachment[] = [];
  for (const [i, f] of files.entries()) {
    onProgress(i, { stage: 'reading', fraction: 0 });
    const bytes = await readFile(f, (x) => onProgress(i, { stage: 'reading', fraction: x * 0.3 }));
    onProgress(i, { stage: 'waiting', fraction: 0.3 });
    out.push({
      name: f.name,
      mediaType: f.type || 'application/octet-stream',
      bytes,
      onProgress: (stage) => onProgress(i, { stage, fraction: stage === 'encrypting' ? 0.4 : stage === 'uploading' ? 0.7 : 1 }),
    });
  }
  return out;
}

/** The first problem with the chosen files, if any. */
export function attachmentProblem(files: File[], max: number): string | undefined {
  const big = files.find((f) => f.size > LIMITS.attachmentBytes);
  if (big)
    return `${big.name} is ${byteSize(big.size)}; attachments are limited to ${byteSize(LIMITS.attachmentBytes)}. Use a pouch for larger documents.`;
  if (files.length > max) return `At most ${max} attachments at once.`;
  return undefined;
}

export function AttachmentPicker({
  files,
  progress,
  onChange,
  inputRef,
  disabled,
  label = 'Attachments',
}: {
  files: File[];
  progress: Map<number, FileProgress>;
  onChange: (files: File[]) => void;
  inputRef: RefObject<HTMLInputElement | null>;
  disabled?: boolean;
  label?: string;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        ref={inputRef}
        type="file"
        multiple
        onChange={(e) => onChange([...(e.target.files ?? [])])}
        aria-describedby={`${id}-help`}
        disabled={disabled}
      />
      <p id={`${id}-help`} className="help">
        Optional. Encrypted in this browser before upload; up to {byteSize(LIMITS.attachmentBytes)} each.
      </p>
      {files.length > 0 && (
        <ul className="file-list" aria-label="Chosen attachments">
          {files.map((f, i) => {
            const p = progress.get(i);
            return (
              <li key={`${f.name}-${f.size}-${f.lastModified}`} className="file-item">
                <span className="file-name">{f.name}</span> <span className="subtle">({byteSize(f.size)})</span>
                {p && (
                  <span className="file-progress">
                    <progress value={Math.round(p.fraction * 100)} max={100} aria-label={`${f.name}: ${STAGE_TEXT[p.stage]}`} />
                    <span className={p.stage === 'uploaded' ? 'stage stage-done' : 'stage'}>
                      {p.stage === 'uploaded' && <span aria-hidden="true">✓ </span>}
                      {STAGE_TEXT[p.stage]}
                    </span>
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
