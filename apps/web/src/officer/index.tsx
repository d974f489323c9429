/** Views for security officers, shown in the navigation only to people with the security-officer role. */
import type { ValiseClient } from '@valise/sdk';
import type { ReactElement } from 'react';
import { AlertsView } from './Alerts.tsx';
import { ApprovalsView } from './Approvals.tsx';
import { AuditView } from './Audit.tsx';
import { badgeCount } from './badges.ts';
import { PeopleView } from './People.tsx';
import './officer.css';

export interface OfficerView {
  /** The hash route is #/officer/<id>. */
  id: string;
  /** The navigation link's text. */
  label: string;
  render: (props: { client: ValiseClient }) => ReactElement;
  /** A count shown on the navigation link (open alerts, pending approvals). */
  badge?: (client: ValiseClient) => number;
}

export const officerViews: OfficerView[] = [
  { id: 'people', label: 'People', render: PeopleView },
  { id: 'approvals', label: 'Approvals', render: ApprovalsView, badge: (client) => badgeCount(client, 'approvals') },
  { id: 'audit', label: 'Audit log', render: AuditView },
  { id: 'alerts', label: 'Alerts', render: AlertsView, badge: (client) => badgeCount(client, 'alerts') },
];
