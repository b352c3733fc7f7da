// Who is calling, and how often: `Authorization: Bearer <key>` (or HTTP Basic with the key, as
// cuOpt's client sends it) → a tenant (and maybe the admin role). Routes say what they need in their config (`auth: 'none' | 'tenant' | 'admin'`; tenant
// for /v1, none for health, metrics and docs). With no keys configured the API is open, as one
// admin tenant `default`: server.ts allows that only on loopback.
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiConfig } from '@gpuq/shared';
import { ApiError } from '../errors.js';
import type { KeyRing, Principal } from '../auth/key-ring.js';
import { keyFromAuthorization } from '../auth/key-from-header.js';
import { RateLimiter, type RateDecision } from '../rate-limiter.js';

export type AuthLevel = 'none' | 'tenant' | 'admin';

/** The per-address limit of requests without a valid key, for routes that check keys themselves (the queue board). */
export interface SourceLimit {
  /** The refusal when the address is already past its limit (no Redis call); undefined otherwise. */
  refused(request: FastifyRequest, reply: FastifyReply): ApiError | undefined;
  /** Counts a request without a valid key; the refusal when that puts the address past its limit. */
  count(request: FastifyRequest, reply: FastifyReply): Promise<ApiError | undefined>;
}

declare module 'fastify' {
  interface FastifyInstance {
    sourceLimit: SourceLimit;
  }
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyContextConfig {
    auth?: AuthLevel;
  }
}

export const OPEN_PRINCIPAL: Principal = { tenant: 'default', isAdmin: true };

/** The window's state as the RateLimit-* header fields (draft-ietf-httpapi-ratelimit-headers), and Retry-After when refused. */
function sendRateHeaders(reply: FastifyReply, decision: RateDecision): void {
  void reply.header('ratelimit-limit', String(decision.limit)).header('ratelimit-remaining', String(decision.remaining)).header('ratelimit-reset', String(decision.resetS));
  if (!decision.isAllowed) void reply.header('retry-after', String(decision.resetS));
}

/**
 * Also counts requests: each tenant's (over its limit, 429 with Retry-After), and those without a
 * valid key by source address (`ip:<address>`: tenant names cannot hold a colon). An address past
 * its unauthenticated limit gets 429 before its key is even looked at, valid or not, so that keys
 * cannot be guessed faster than that; a client sharing an address with a guesser shares its wait.
 * The address is request.ip: the peer's address, since Fastify's trustProxy is off unless
 * `api.http.trustedProxies` names the proxies in front (then the client's, from X-Forwarded-For).
 * Behind a proxy not named there, every client has the proxy's address and one shared limit.
 * In open mode (no keys) there is one local tenant and no limit. One hook for both: it runs on
 * every request.
 */
export const authPlugin = fp<{ keys: KeyRing; api: ApiConfig }>(
  async (app, { keys, api }) => {
    const limiter = keys.isEmpty ? undefined : new RateLimiter(app.redis);
    app.addHook('onClose', async () => limiter?.close());
    app.decorateRequest('principal', null as unknown as Principal);
    const unauthenticatedLimit = api.unauthenticatedPerMinute;
    const sourceLimit: SourceLimit = {
      refused: (request, reply) => {
        const refused = limiter?.refusal(`ip:${request.ip}`, unauthenticatedLimit);
        return refused ? sourceLimited(reply, refused) : undefined;
      },
      count: async (request, reply) => {
        const decision = await limiter?.check(`ip:${request.ip}`, unauthenticatedLimit);
        return decision && !decision.isAllowed ? sourceLimited(reply, decision) : undefined;
      },
    };
    app.decorate('sourceLimit', sourceLimit);
    app.addHook('onRequest', async (request, reply) => {
      const level = request.routeOptions.config.auth ?? (request.routeOptions.url?.startsWith('/v1/') ? 'tenant' : 'none');
      if (level === 'none') return;
      if (keys.isEmpty) {
        request.principal = OPEN_PRINCIPAL;
        return;
      }
      const refused = sourceLimit.refused(request, reply);
      if (refused) throw refused;
      const key = keyFromAuthorization(request.headers.authorization);
      const principal = key !== undefined ? keys.identify(key) : undefined;
      if (!principal) {
        const limited = await sourceLimit.count(request, reply);
        if (limited) throw limited;
        throw new ApiError('unauthorized', key !== undefined ? 'That API key is not valid.' : undefined);
      }
      if (level === 'admin' && !principal.isAdmin) throw new ApiError('forbidden');
      request.principal = principal;
      const limit = api.tenants[principal.tenant]?.rateLimitPerMinute ?? api.rateLimitPerMinute;
      const decision = await limiter!.check(principal.tenant, limit);
      sendRateHeaders(reply, decision);
      if (!decision.isAllowed) {
        throw new ApiError('rate_limited', `Tenant ${principal.tenant} may make ${limit} requests a minute; retry in ${decision.resetS} s.`);
      }
    });

    function sourceLimited(reply: FastifyReply, decision: RateDecision): ApiError {
      sendRateHeaders(reply, decision);
      return new ApiError('rate_limited', `This address has sent ${decision.limit} requests without a valid API key this minute; retry in ${decision.resetS} s.`);
    }
  },
  { name: 'auth', dependencies: ['redis'] },
);
