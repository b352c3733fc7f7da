// The configuration file (`GPUQ_CONFIG`, YAML or JSON) shared by the API and the scheduler.
// Every field has a default, so an empty file, or none, runs the local development setup.
import { z } from 'zod';
import { Identifier } from './config-identifier.js';
import { FoldKindConfig, InferenceKindConfig, SolveKindConfig } from './kind-config.js';
import { parseWebhookHost } from './webhook-hosts.js';

export * from './executor-config.js';
export * from './kind-config.js';
export * from './webhook-hosts.js';

/** A GPU declared in config instead of discovered with nvidia-smi: simulated, for machines without one and for tests. */
export const GpuDeclaration = z.strictObject({
  id: Identifier,
  vramMb: z.number().int().positive(),
  /** Overrides scheduler.headroomMb for this GPU. */
  headroomMb: z.number().int().nonnegative().optional(),
  uuid: z.string().optional(),
  name: z.string().optional(),
});
export type GpuDeclaration = z.infer<typeof GpuDeclaration>;

export const SchedulerConfig = z.strictObject({
  /** The most jobs of a kind taken in one pass (and held at once): a box takes only what it can place now. */
  windowPerKind: z.number().int().min(1).max(10_000).default(32),
  /** Jobs at the head of each kind's queue a box looks at to choose what it can place now. */
  claimLookahead: z.number().int().min(1).max(10_000).default(64),
  /** A look at the queues when nothing else woke the scheduler (a message missed, another box gone). */
  claimPollMs: z.number().int().min(50).default(1_000),
  /**
   * Packing: `best-fit` fills the GPU with the least free VRAM that fits (keeping large holes for
   * large jobs); `spread` the one with the most; `first-fit` the first in order.
   */
  policy: z.enum(['best-fit', 'spread', 'first-fit']).default('best-fit'),
  /** Concurrent jobs per GPU, whatever their VRAM. */
  maxJobsPerGpu: z.number().int().min(1).default(16),
  /** VRAM per GPU never handed out, for the driver and fragmentation. */
  headroomMb: z.number().int().nonnegative().default(0),
  /** Per-GPU overrides of headroomMb, by GPU id (for GPUs found with nvidia-smi). */
  gpuHeadroomMb: z.record(Identifier, z.number().int().nonnegative()).default({}),
  /** A job waiting this long gets a reservation on the GPU where it fits soonest; smaller jobs no longer delay it. */
  starvationAfterS: z.number().nonnegative().default(300),
  /** How long a fetched job stays locked without renewal before BullMQ returns it to the queue. */
  lockDurationMs: z.number().int().min(1_000).default(30_000),
  /** Schedulers with the same box id share one lease: one is active, the others wait as standby. Default: the host name. */
  boxId: Identifier.optional(),
  /** How long the active scheduler's lease lasts without renewal; a standby takes over after it lapses. */
  leaseTtlMs: z.number().int().min(1_000).default(10_000),
  /** Failures in a row on one GPU (of the worker, not of the input) after which it is drained. */
  drainAfterFailures: z.number().int().min(1).default(3),
  /** A GPU drained for failures takes jobs again after this long. */
  drainCooldownS: z.number().min(0).default(300),
  gpuMonitor: z
    .strictObject({
      /**
       * The nvidia-smi to poll for memory in use and GPU health. Default: `nvidia-smi` when the
       * GPUs were found with it; none for GPUs declared in config (a test can name a fake).
       */
      command: z.string().nullable().optional(),
      intervalMs: z.number().int().min(100).default(2_000),
    })
    .prefault({}),
  vramEstimates: z
    .strictObject({
      /** Finished jobs of a kind with a measured peak before the learned estimate is used. */
      minSamples: z.number().int().min(1).default(20),
      /** The percentile of observed peak / estimate that the learned estimate uses. */
      percentile: z.number().min(50).max(100).default(95),
      /** Added on top of the percentile, as a fraction. */
      margin: z.number().min(0).default(0.1),
    })
    .prefault({}),
});
export type SchedulerConfig = z.infer<typeof SchedulerConfig>;

export const ApiKey = z.strictObject({
  tenant: Identifier,
  /** The SHA-256 of the key, in hex: keys themselves are never stored (`printf %s "$KEY" | sha256sum`). */
  keySha256: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lowercase hex'),
  isAdmin: z.boolean().default(false),
});
export type ApiKey = z.infer<typeof ApiKey>;

/**
 * The HTTP server's limits on slow clients and large bodies. Node checks the header and request
 * timeouts only every `checkIntervalMs`, so a client is cut between the timeout and the timeout plus
 * the interval.
 */
/** Ranges Fastify's trustProxy knows by name. */
const PROXY_NAMES: readonly string[] = ['loopback', 'linklocal', 'uniquelocal'];

export const ApiHttpConfig = z
  .strictObject({
    /** A request's headers must all arrive within this long of its first byte (a fresh connection's too). */
    headersTimeoutMs: z.number().int().min(100).default(10_000),
    /**
     * A whole request, body included, must arrive within this long; the answer may take longer (event
     * streams stay open). 60 s takes the largest body (API_MAX_BODY_MB, 16 MiB) over a link of about
     * 2.3 Mbit/s: raise it with the body limit, or for slower clients.
     */
    requestTimeoutMs: z.number().int().min(100).default(60_000),
    /** An idle keep-alive connection is closed after this long. */
    keepAliveTimeoutMs: z.number().int().min(100).default(5_000),
    /** How often the server looks for requests past their header or request timeout. */
    checkIntervalMs: z.number().int().min(10).default(1_000),
    /**
     * A body over the limit is still read, and thrown away, up to this many MiB in all before the
     * 413 is sent, so that a client that writes the whole body before reading (Python's urllib) gets
     * the answer rather than a broken pipe. A larger one gets its 413 at once and the connection is
     * closed.
     */
    oversizeBodyDrainMb: z.number().int().min(0).max(4_096).default(64),
    /**
     * Addresses or CIDR ranges of the proxies in front of the API, whose `X-Forwarded-For` is
     * believed. None: a request's source is the address it came from, so behind a proxy every client
     * shares the proxy's address and its unauthenticated limit.
     */
    trustedProxies: z
      .array(
        z.string().refine((entry) => PROXY_NAMES.includes(entry) || [z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()].some((s) => s.safeParse(entry).success), {
          error: (issue) => `${JSON.stringify(issue.input)} is not an address, a CIDR range or one of ${PROXY_NAMES.join(', ')}`,
        }),
      )
      .default([]),
  })
  .refine((http) => http.headersTimeoutMs <= http.requestTimeoutMs, { error: 'headersTimeoutMs must not be above requestTimeoutMs', path: ['headersTimeoutMs'] });
export type ApiHttpConfig = z.infer<typeof ApiHttpConfig>;

export const ApiConfig = z.strictObject({
  /** API keys; GPUQ_API_KEYS and GPUQ_ADMIN_KEYS add more. With none, the API only serves loopback. */
  keys: z.array(ApiKey).default([]),
  /** Per-tenant settings; the webhook secret is better given in GPUQ_WEBHOOK_SECRETS. */
  tenants: z
    .record(Identifier, z.strictObject({ rateLimitPerMinute: z.number().int().positive().optional(), webhookSecret: z.string().min(16).optional() }))
    .default({}),
  /** Requests per minute per tenant, across all API replicas. */
  rateLimitPerMinute: z.number().int().positive().default(1_200),
  /**
   * Requests with no API key or a wrong one, per source address per minute, across all API
   * replicas. Past it, every request from that address gets 429 until the minute ends, whatever
   * key it carries: guessing keys stays slow. Behind a proxy, see `http.trustedProxies`.
   */
  unauthenticatedPerMinute: z.number().int().positive().default(60),
  http: ApiHttpConfig.prefault({}),
  maxBatchSize: z.number().int().min(1).max(10_000).default(100),
  /** How long an Idempotency-Key is remembered. */
  idempotencyTtlS: z.number().int().positive().default(86_400),
  /**
   * Submit bodies are parsed and checked (MPS read, VRP matrices walked) in worker threads when
   * larger than `inlineMaxBytes`, so that one tenant's megabytes never stall another's requests.
   */
  bodyChecks: z
    .strictObject({
      /** Bodies up to this size are checked on the request's own thread (cheaper than a hand-off). */
      inlineMaxBytes: z.number().int().nonnegative().default(64 * 1024),
      /** Worker threads; absent: one per core but one, at most 4. */
      threads: z.number().int().min(1).max(64).optional(),
      /** Large bodies of one tenant checked at once; the rest of that tenant's wait their turn. */
      perTenant: z.number().int().min(1).default(1),
      /** Large bodies of one tenant waiting for a thread before more are refused (429). */
      maxWaitingPerTenant: z.number().int().min(0).default(4),
      /** Heap one check may use: a body needing more is refused (413), not the API's memory. */
      maxHeapMb: z.number().int().min(64).default(1_024),
      /** Time one check may take before it is stopped and refused (413). */
      timeoutMs: z.number().int().positive().default(30_000),
    })
    .prefault({}),
  /**
   * The JobData version submits write (docs/adr/0003): 2 keeps inputs apart from the queue. Set 1
   * while schedulers of 0.3 or older still run: they read only version 1.
   */
  jobDataVersion: z.union([z.literal(1), z.literal(2)]).default(2),
  /** gpuq's cuOpt-compatible API (`/cuopt/*`), for NVIDIA's cuOpt clients. */
  cuopt: z
    .strictObject({
      /** How long a request's result stays when the client does not delete it (cuOpt keeps it until deleted). */
      resultTtlS: z.number().int().positive().default(7 * 24 * 3600),
      /** Take pickled request bodies (application/octet-stream), which cuOpt's client can send. Off: they get a 415 saying what to send. */
      allowPickle: z.boolean().default(false),
    })
    .prefault({}),
  webhooks: z
    .strictObject({
      /**
       * Hosts, and ports, a webhook may point at. None: webhooks are refused. Each entry is one of
       * `hooks.example.com` (that name), `*.example.org` (its subdomains, not itself), `10.0.0.5` or
       * `[fd00::5]` (that address, called as written), each with an optional `:port`
       * (`hooks.example.com:8443`, `[fd00::5]:8080`). Without a port an entry allows 443 and 80 only.
       * Names must resolve to public addresses (or ones in allowedAddressRanges) at submit and at
       * every delivery, which connects to the address it checked.
       */
      allowedHosts: z
        .array(
          z.string().superRefine((entry, ctx) => {
            const parsed = parseWebhookHost(entry);
            if (!parsed.ok) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(entry)} is not a webhook host: ${parsed.error}` });
          }),
        )
        .default([]),
      /**
       * CIDR ranges (`10.20.0.0/16`, `fd00:1::/64`) that names in allowedHosts may resolve to although
       * they are private, loopback or link-local: for receivers on the operator's own network.
       */
      allowedAddressRanges: z
        .array(z.string().refine((cidr) => z.cidrv4().safeParse(cidr).success || z.cidrv6().safeParse(cidr).success, { error: (issue) => `${JSON.stringify(issue.input)} is not a CIDR range such as 10.20.0.0/16 or fd00:1::/64` }))
        .default([]),
      timeoutMs: z.number().int().positive().default(5_000),
      maxAttempts: z.number().int().min(1).max(30).default(8),
      /** First retry delay; doubles each attempt. */
      backoffMs: z.number().int().nonnegative().default(1_000),
    })
    .prefault({}),
});
export type ApiConfig = z.infer<typeof ApiConfig>;

/** What a GPU and a CPU second cost when config does not say: the seeds' serverless prices. */
export const DEFAULT_COSTS = { gpuSecondUsd: 0.0015, cpuSecondUsd: 0.0002 } as const;

/**
 * A Kubernetes cluster's GPU nodes as the box's GPUs: read from their labels (NVIDIA's GPU feature
 * discovery) or HAMi's annotation, and followed while the scheduler runs (docs/contracts/kubernetes.md).
 */
export const ClusterGpusConfig = z.strictObject({
  /** A kubeconfig file; else KUBECONFIG, else the in-cluster service account. */
  kubeconfig: z.string().optional(),
  /** The GPU nodes, as a label selector (`a=b,c!=d`): by default what the GPU operator labels. */
  nodeSelector: z.string().min(1).default('nvidia.com/gpu.present=true'),
  /** How often nodes and their pods are read again (node state, other pods' GPU use). */
  pollIntervalMs: z.number().int().positive().default(15_000),
});
export type ClusterGpusConfig = z.infer<typeof ClusterGpusConfig>;

export const GpuqConfig = z.strictObject({
  /** Simulated GPUs. When absent, the scheduler asks nvidia-smi, and without it simulates two 24 GiB GPUs. */
  gpus: z
    .array(GpuDeclaration)
    .min(1)
    .refine((gpus) => new Set(gpus.map((g) => g.id)).size === gpus.length, 'GPU ids must be unique')
    .optional(),
  /** The GPUs of a Kubernetes cluster's nodes, instead of `gpus` or this machine's nvidia-smi. */
  cluster: ClusterGpusConfig.optional(),
  scheduler: SchedulerConfig.prefault({}),
  kinds: z
    .strictObject({
      solve: SolveKindConfig.prefault({}),
      fold: FoldKindConfig.prefault({}),
      inference: InferenceKindConfig.prefault({}),
    })
    .prefault({}),
  api: ApiConfig.prefault({}),
  /** What a second costs, for each job's cost (the seeds' serverless prices by default). */
  costs: z
    .strictObject({
      gpuSecondUsd: z.number().nonnegative().default(DEFAULT_COSTS.gpuSecondUsd),
      cpuSecondUsd: z.number().nonnegative().default(DEFAULT_COSTS.cpuSecondUsd),
    })
    .prefault({}),
  /** Where jobs' files (structures, logs) are kept, read by the API's artifacts route. */
  artifactsDir: z.string().default('.data/artifacts'),
}).refine((config) => !(config.gpus && config.cluster), { error: 'declare gpus, or read them from a cluster with cluster, not both', path: ['cluster'] });
export type GpuqConfig = z.infer<typeof GpuqConfig>;

/** The GPUs simulated when nothing is declared and no nvidia-smi is found. */
export const DEFAULT_SIMULATED_GPUS: readonly GpuDeclaration[] = [
  { id: 'gpu0', vramMb: 24_576 },
  { id: 'gpu1', vramMb: 24_576 },
];
