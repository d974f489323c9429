import type { ReactNode } from 'react';

/** An error the reader must act on; announced at once by screen readers. */
export function Alert({ children }: { children: ReactNode }) {
  return (
    <div className="notice notice-error" role="alert">
      {children}
    </div>
  );
}

/** A calm, polite status message. */
export function Status({ children, tone = 'info' }: { children: ReactNode; tone?: 'info' | 'success' | 'warning' }) {
  return (
    <div className={`notice notice-${tone}`} role="status">
      {children}
    </div>
  );
}
