// The OpenAPI document's named schemas: each shared zod schema below becomes
// `#/components/schemas/<name>`, and every route that uses it refers to it with `$ref`, so a client
// generator makes one type per name (JobView, JobRequest, SolveInput, …) instead of one per route.
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import {
  ApiErrorCode,
  BatchRequest,
  BoxDrainRequest,
  BoxDrainState,
  Cost,
  CostStage,
  ErrorBody,
  ErrorDetail,
  FoldInput,
  FoldJobRequest,
  GpuBox,
  GpusView,
  GpuState,
  InferenceInput,
  InferenceJobRequest,
  InferenceResult,
  JobEndData,
  JobError,
  JobPage,
  JobRequest,
  JobStatus,
  JobView,
  Kind,
  Labels,
  LinearProgram,
  MpsInput,
  Placement,
  QueueOverview,
  SolveInput,
  SolveJobRequest,
  SolverConfig,
  SolveServerView,
  SystemStatus,
  VrpInput,
  WebhookDelivery,
} from '@gpuq/shared';
import { BatchView } from '../batch-store.js';

/** Component name → schema. The names are what generated clients call the types: keep them stable. */
export const OPENAPI_COMPONENTS = {
  JobRequest,
  SolveJobRequest,
  FoldJobRequest,
  InferenceJobRequest,
  SolveInput,
  LinearProgram,
  MpsInput,
  VrpInput,
  SolverConfig,
  FoldInput,
  InferenceInput,
  InferenceResult,
  BatchRequest,
  JobView,
  JobPage,
  JobStatus,
  Kind,
  Labels,
  Placement,
  Cost,
  CostStage,
  JobError,
  WebhookDelivery,
  JobEndData,
  BatchView,
  GpusView,
  GpuBox,
  GpuState,
  SolveServerView,
  SystemStatus,
  QueueOverview,
  BoxDrainRequest,
  BoxDrainState,
  // ErrorBody in the code: every error the API sends, `{"error": {"code", "message", "details"}}`.
  ErrorReply: ErrorBody,
  ErrorDetail,
  ApiErrorCode,
} satisfies Record<string, z.ZodType>;

export type ComponentName = keyof typeof OPENAPI_COMPONENTS;
export const COMPONENT_NAMES = Object.keys(OPENAPI_COMPONENTS) as ComponentName[];

/** What zod cannot say of a schema: a request's kind picks its shape (generators make a tagged union of it). */
const EXTRA_KEYWORDS: Partial<Record<ComponentName, Record<string, unknown>>> = {
  JobRequest: {
    discriminator: {
      propertyName: 'kind',
      mapping: { solve: '#/components/schemas/SolveJobRequest', fold: '#/components/schemas/FoldJobRequest', inference: '#/components/schemas/InferenceJobRequest' },
    },
  },
};

/**
 * Gives each schema its name in zod's global registry, which fastify-type-provider-zod reads (it
 * also holds the `.describe()` texts, which a registry of our own would lose), with any keywords
 * it takes as they are. Idempotent.
 */
export function registerOpenApiComponents(): void {
  for (const name of COMPONENT_NAMES) {
    const schema = OPENAPI_COMPONENTS[name];
    z.globalRegistry.add(schema, { ...z.globalRegistry.get(schema), ...EXTRA_KEYWORDS[name], id: name });
  }
}

const REF_PREFIX = '#/components/schemas/';
/** fastify-type-provider-zod emits each registered schema twice: as parsed (`<name>Input`) and as sent (`<name>`). */
const INPUT_SUFFIX = 'Input';

type Json = unknown;
type Schemas = Record<string, Json>;

function refsIn(value: Json, into: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const item of value) refsIn(item, into);
  else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string' && child.startsWith(REF_PREFIX)) into.add(child.slice(REF_PREFIX.length));
      else refsIn(child, into);
    }
  }
  return into;
}

/** The components that `roots` refer to, directly or through other components. */
function reachable(roots: Json, schemas: Schemas): Set<string> {
  const seen = new Set<string>();
  const queue = [...refsIn(roots, new Set())];
  for (let name = queue.pop(); name !== undefined; name = queue.pop()) {
    if (seen.has(name)) continue;
    seen.add(name);
    queue.push(...refsIn(schemas[name], new Set()));
  }
  return seen;
}

/** A copy of `value` with each `$ref` renamed by `rename`. */
function withRefs(value: Json, rename: (name: string) => string): Json {
  if (Array.isArray(value)) return value.map((item) => withRefs(item, rename));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) =>
      key === '$ref' && typeof child === 'string' && child.startsWith(REF_PREFIX) ? [key, REF_PREFIX + rename(child.slice(REF_PREFIX.length))] : [key, withRefs(child, rename)],
    ),
  );
}

/**
 * One component per name where one will do: a schema used only in requests keeps its plain name
 * (SolveInput, not SolveInputInput), and one whose request and response forms are the same is
 * emitted once. A schema whose forms differ where both are used (a default makes a field optional
 * in a request and present in a reply) keeps both, the request's as `<name>Input`.
 */
export function nameComponents<T extends { paths?: Json; components?: { schemas?: Schemas } }>(document: T, names: readonly string[] = COMPONENT_NAMES): T {
  const schemas = document.components?.schemas;
  if (!schemas) return document;
  const used = reachable(document.paths, schemas);
  const pairs = names.filter((name) => schemas[name] !== undefined && schemas[name + INPUT_SUFFIX] !== undefined);
  // Start from "every pair merges" and drop the pairs whose forms differ once their own refs are merged, to a fixed point.
  const merged = new Set(pairs);
  const mergedName = (name: string) => (name.endsWith(INPUT_SUFFIX) && merged.has(name.slice(0, -INPUT_SUFFIX.length)) ? name.slice(0, -INPUT_SUFFIX.length) : name);
  for (let isChanged = true; isChanged; ) {
    isChanged = false;
    for (const name of merged) {
      const input = name + INPUT_SUFFIX;
      if (!used.has(name) || !used.has(input)) continue;
      if (!isDeepStrictEqual(withRefs(schemas[input], mergedName), withRefs(schemas[name], mergedName))) {
        merged.delete(name);
        isChanged = true;
      }
    }
  }
  const named: Schemas = {};
  for (const [name, schema] of Object.entries(schemas)) {
    const base = mergedName(name);
    if (base !== name) continue;
    // A request-only schema takes its request form; every other merged one, its reply form.
    const form = merged.has(name) && used.has(name + INPUT_SUFFIX) && !used.has(name) ? schemas[name + INPUT_SUFFIX] : schema;
    named[name] = withRefs(form, mergedName);
  }
  return { ...document, paths: withRefs(document.paths, mergedName), components: { ...document.components, schemas: named } };
}
