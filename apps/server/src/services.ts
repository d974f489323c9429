/** Builds the server's services from one context, wiring the capabilities to each other. */
import type { ServiceContext } from './context.ts';
import { AuthenticationService } from './identity/authentication.ts';
import { IdentityService } from './identity/service.ts';
import { DeliveryService } from './messaging/service.ts';

export interface Services {
  ctx: ServiceContext;
  auth: AuthenticationService;
  identity: IdentityService;
  delivery: DeliveryService;
}

export function createServices(ctx: ServiceContext): Services {
  const delivery = new DeliveryService(ctx);
  return {
    ctx,
    auth: new AuthenticationService(ctx),
    identity: new IdentityService(ctx, [delivery.revocationHook()]),
    delivery,
  };
}
