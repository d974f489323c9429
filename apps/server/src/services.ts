/** Builds the server's services from one context, wiring the capabilities to each other. */
import type { ServiceContext } from './context.ts';
import { AuthenticationService } from './identity/authentication.ts';
import { ClearanceService } from './identity/clearance-service.ts';
import { IdentityService } from './identity/service.ts';
import { DeliveryService } from './messaging/service.ts';
import { AccessControl } from './policy/access.ts';
import { PolicyEngine } from './policy/engine.ts';
import { Labels } from './policy/labels.ts';
import { PolicyService } from './policy/service.ts';
import { CustodyService } from './pouch/custody-service.ts';
import { PouchFiles } from './pouch/files.ts';
import { PouchService } from './pouch/service.ts';

export interface Services {
  ctx: ServiceContext;
  auth: AuthenticationService;
  identity: IdentityService;
  clearances: ClearanceService;
  delivery: DeliveryService;
  /** The Cedar policy engine (pre-parsed once per process). */
  engine: PolicyEngine;
  access: AccessControl;
  policy: PolicyService;
  /** Pouches in transit: announce, upload, deliver (pouch/service.ts). */
  pouches: PouchService;
  /** Custody receipts, tracking and missing pouches (pouch/custody-service.ts). */
  custody: CustodyService;
}

export interface ServiceOptions {
  /** Where pouch files live (DIR/pouches); a temporary directory when absent (tests). */
  pouchDir?: string;
  /** The largest pouch accepted, in bytes. */
  pouchMaxBytes?: number;
}

export function createServices(ctx: ServiceContext, options: ServiceOptions = {}): Services {
  const engine = new PolicyEngine(ctx.labelPolicy, ctx.clock);
  const access = new AccessControl(ctx, new Labels(ctx.labelPolicy), engine);
  const delivery = new DeliveryService(ctx, access);
  const pouches = new PouchService(ctx, access, new PouchFiles(options.pouchDir), options.pouchMaxBytes);
  return {
    ctx,
    auth: new AuthenticationService(ctx),
    identity: new IdentityService(ctx, [delivery.revocationHook()]),
    clearances: new ClearanceService(ctx, [delivery.clearanceLoweredHook()]),
    delivery,
    engine,
    access,
    policy: new PolicyService(ctx, access),
    pouches,
    custody: new CustodyService(ctx, pouches),
  };
}
