/** The wire types the officer's screens show, as the SDK's admin calls return them (the app depends on the SDK alone). */
import type { AdminApi, ValiseClient } from '@valise/sdk';

export type PersonClearances = Awaited<ReturnType<AdminApi['clearances']>>;
export type ClearanceGrant = PersonClearances['grants'][number];
export type EnrolmentCode = Awaited<ReturnType<AdminApi['issueEnrolmentCode']>>;
export type AlertRecord = Awaited<ReturnType<AdminApi['alerts']>>[number];
export type SecurityEvent = AlertRecord['alert'];
export type LabelApproval = Awaited<ReturnType<ValiseClient['approvals']>>[number];
