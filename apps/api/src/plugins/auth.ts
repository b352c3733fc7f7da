// Who is calling, and how often: `Authorization: Bearer <key>` (or HTTP Basic with the key, as
// cuOpt's client sends it) → a tenant (and maybe the admin role). Routes say what they need in their config (`auth: 'none' | 'tenant' | 'admin'`; tenant
// for /v1, none for health, metrics and docs). With no keys configured the API is open, as one
// admin tenant `default`: server.ts allows that only on loopback.
import fp from 'fastify-plugin';
import type { ApiConfig } from '@gpuq/shared';
import { ApiError } from '../errors.js';
import type { KeyRing, Principal } from '../auth/key-ring.js';
import { keyFromAuthorization } from '../auth/key-from-header.js';
import { RateLimiter } from '../rate-limiter.js';

export type AuthLevel = 'none' | 'tenant' | 'admin';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyContextConfig {
    auth?: AuthLevel;
  }
}

export const OPEN_PRINCIPAL: Principal = { tenant: 'default', isAdmin: true };

/**
 * Also counts each tenant's requests (rate-limiter.ts): over its limit, 429 with Retry-After. In
 * open mode (no keys) there is one local tenant and no limit. One hook for both: it runs on
 * every request.
 */
export const authPlugin = fp<{ keys: KeyRing; api: ApiConfig }>(
  async (app, { keys, api }) => {
    const limiter = keys.isEmpty ? undefined : new RateLimiter(app.redis);
    app.addHook('onClose', async () => limiter?.close());
    app.decorateRequest('principal', null as unknown as Principal);
    app.addHook('onRequest', async (request, reply) => {
      const level = request.routeOptions.config.auth ?? (request.routeOptions.url?.startsWith('/v1/') ? 'tenant' : 'none');
      if (level === 'none') return;
      if (keys.isEmpty) {
        request.principal = OPEN_PRINCIPAL;
        return;
      }
      const key = keyFromAuthorization(request.headers.authorization);
      const principal = key !== undefined ? keys.identify(key) : undefined;
      if (!principal) throw new ApiError('unauthorized', key !== undefined ? 'That API key is not valid.' : undefined);
      if (level === 'admin' && !principal.isAdmin) throw new ApiError('forbidden');
      request.principal = principal;
      const limit = api.tenants[principal.tenant]?.rateLimitPerMinute ?? api.rateLimitPerMinute;
      const decision = await limiter!.check(principal.tenant, limit);
      if (!decision.isAllowed) {
        void reply.header('retry-after', String(decision.retryAfterS));
        throw new ApiError('rate_limited', `Tenant ${principal.tenant} may make ${limit} requests a minute; retry in ${decision.retryAfterS} s.`);
      }
    });
  },
  { name: 'auth', dependencies: ['redis'] },
);
