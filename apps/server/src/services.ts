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
}

export function createServices(ctx: ServiceContext): Services {
  const engine = new PolicyEngine(ctx.labelPolicy, ctx.clock);
  const access = new AccessControl(ctx, new Labels(ctx.labelPolicy), engine);
  const delivery = new DeliveryService(ctx, access);
  return {
    ctx,
    auth: new AuthenticationService(ctx),
    identity: new IdentityService(ctx, [delivery.revocationHook()]),
    clearances: new ClearanceService(ctx, [delivery.clearanceLoweredHook()]),
    delivery,
    engine,
    access,
    policy: new PolicyService(ctx, access),
  };
}
