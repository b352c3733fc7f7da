// The deployable artefacts, read by the tools that deploy them: docker-compose renders
// docker-compose.yml, kustomize (kubectl's, old and new) renders deploy/k8s, and what they render
// must hold what gpuq needs (durable Redis, API replicas, a scheduler with its GPUs and its Docker
// socket, non-root containers, network policies) and point at config files that pass the shared
// schema and name services that exist. A missing tool skips its checks and says why.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { GpuqConfig, issuesToDetails } from '@gpuq/shared';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const inRepo = (...parts: string[]) => join(ROOT, ...parts);

/** The fields of a docker-compose service these checks read. */
interface ComposeService {
  image?: string;
  build?: unknown;
  command: string[];
  profiles?: string[];
  environment: Record<string, string | number>;
  /** The short syntax (docker-compose 1.x prints it) or the long one (Compose v2). */
  volumes?: (string | { source: string; target: string; read_only?: boolean })[];
  ports?: (string | { host_ip?: string; published?: string | number; target: number })[];
  deploy?: {
    replicas?: number | string;
    resources?: { reservations: { devices: { driver: string; count?: string | number; device_ids?: string[]; capabilities: string[] }[] } };
  };
  healthcheck?: { test?: string[] | string };
  restart?: string;
  stop_grace_period: string;
  read_only?: boolean;
  pid?: string;
  networks?: { default?: { aliases?: string[] } | null };
}

/** The fields of Kubernetes objects these checks read (one spec type for every kind, loosely). */
interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { drop?: string[] };
}
interface Probe {
  httpGet: { path: string };
}
interface Container {
  name: string;
  command?: string[];
  args: string[];
  env: { name: string; value?: string }[];
  envFrom?: { secretRef: { name: string } }[];
  ports: { containerPort: number }[];
  resources: { limits: Record<string, string | number> };
  securityContext?: SecurityContext;
  livenessProbe: Probe;
  readinessProbe: Probe;
}
interface PodSpec {
  serviceAccountName: string;
  automountServiceAccountToken?: boolean;
  securityContext?: SecurityContext;
  containers: Container[];
  volumes?: { configMap?: { name: string } }[];
  nodeSelector: Record<string, string>;
  tolerations: { key: string; operator: string }[];
  terminationGracePeriodSeconds: number;
  hostPID?: boolean;
}
interface Peer {
  podSelector?: { matchLabels?: Record<string, string> };
  namespaceSelector?: { matchLabels?: Record<string, string> };
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  automountServiceAccountToken?: boolean;
  data: Record<string, string>;
  spec: {
    replicas?: number;
    strategy: { type: string };
    template: { spec: PodSpec };
    volumeClaimTemplates: { metadata: { name: string } }[];
    clusterIP?: string;
    ports: { port: number }[];
    scaleTargetRef: { kind: string; name: string };
    minReplicas?: number;
    metrics: { resource: { name: string } }[];
    podSelector: { matchLabels?: Record<string, string> };
    policyTypes: string[];
    ingress?: { from?: Peer[]; ports?: unknown[] }[];
    egress: { to: Peer[] }[];
  };
}

function run(command: string, args: string[], env?: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string; missing: boolean } {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', env, maxBuffer: 16 * 1024 * 1024 });
  const missing = result.error !== undefined && 'code' in result.error && result.error.code === 'ENOENT';
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '', missing };
}

/** Parses a config file with the shared schema; fails with one line per bad field. */
function parseGpuqConfig(text: string, source: string): GpuqConfig {
  const result = GpuqConfig.safeParse(parseYaml(text) ?? {});
  if (!result.success) {
    const lines = issuesToDetails(result.error.issues).map((d) => `${d.path}: ${d.message}`);
    throw new Error(`${source} does not pass the config schema:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** Every server URL the config sends work to. */
function workerUrls(config: GpuqConfig): URL[] {
  return [...(config.kinds.solve.servers ?? []).map((s) => new URL(s.url)), ...Object.values(config.kinds.inference.models).map((m) => new URL(m.url))];
}

/** `apps/api/dist/server.js` is built from `apps/api/src/server.ts`. */
const builtFromSource = (script: string) => existsSync(inRepo(script.replace('/dist/', '/src/').replace(/\.js$/, '.ts')));

const SHUTDOWN_OVERHEAD_S = 15; // what apps/scheduler/src/main.ts allows itself beyond the grace

describe('the Dockerfile', () => {
  const lines = readFileSync(inRepo('Dockerfile'), 'utf8').replace(/\\\n/g, ' ').split('\n').map((l) => l.trim());
  const stages: { name: string | undefined; lines: string[] }[] = [];
  for (const line of lines) {
    const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) stages.push({ name: from[1], lines: [] });
    else stages.at(-1)?.lines.push(line);
  }

  it('copies only from stages defined before the copy', () => {
    const copies = stages.flatMap((stage, index) => stage.lines.flatMap((l) => [...l.matchAll(/--from=(\S+)/g)].map((m) => ({ from: m[1]!, index }))));
    expect(copies.length).toBeGreaterThan(0);
    for (const { from, index } of copies) {
      expect(stages.slice(0, index).map((s) => s.name), `COPY --from=${from}`).toContain(from);
    }
  });

  it('runs the final stage as a user other than root, the API by default', () => {
    const runtime = stages.at(-1)!;
    const user = runtime.lines.filter((l) => /^USER\s/i.test(l)).at(-1)?.split(/\s+/)[1];
    expect(user).toBeDefined();
    expect(user!.split(':')[0]).not.toMatch(/^(root|0)$/);
    const cmd = runtime.lines.find((l) => /^CMD\s/i.test(l))!;
    const script = (JSON.parse(cmd.replace(/^CMD\s+/i, '')) as string[])[1]!;
    expect(script).toMatch(/^apps\/api\/dist\//);
    expect(builtFromSource(script), script).toBe(true);
  });

  it('keeps local installs, builds, git and data out of the build context', () => {
    const ignored = readFileSync(inRepo('.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.git', '.data', '.env']));
  });
});

// ---- docker-compose.yml ----

/** docker-compose 1.x, or the Compose v2 plugin. */
function findCompose(): { command: string; prefix: string[] } | undefined {
  if (!run('docker-compose', ['version']).missing) return { command: 'docker-compose', prefix: [] };
  const plugin = run('docker', ['compose', 'version']);
  return !plugin.missing && plugin.status === 0 ? { command: 'docker', prefix: ['compose'] } : undefined;
}
const compose = findCompose();
const composeSkip = compose ? undefined : 'neither docker-compose nor the docker compose plugin is installed (apt-get install docker-compose)';
if (composeSkip) console.warn(`docker-compose.yml checks skipped: ${composeSkip}`);

interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}
/** Volumes in the short syntax (docker-compose 1.x prints) or the long one (Compose v2 prints). */
function mountsOf(service: ComposeService): Mount[] {
  return (service.volumes ?? []).map((v) => {
    if (typeof v !== 'string') return { source: String(v.source), target: String(v.target), readOnly: v.read_only === true };
    const [source, target, mode] = v.split(':');
    return { source: source!, target: target!, readOnly: mode === 'ro' };
  });
}
const durationS = (text: string) =>
  [...String(text).matchAll(/(\d+(?:\.\d+)?)(h|m|s)/g)].reduce((sum, [, n, unit]) => sum + Number(n) * { h: 3600, m: 60, s: 1 }[unit as 'h' | 'm' | 's'], 0);

/** `docker-compose config` with every profile on, and only the variables given (an empty env file: a developer's .env changes nothing). */
function renderCompose(env: Record<string, string>): ReturnType<typeof run> {
  const dir = mkdtempSync(join(tmpdir(), 'gpuq-compose-'));
  try {
    const envFile = join(dir, 'empty.env');
    writeFileSync(envFile, '');
    const profiles = ['gpu', 'cpu', 'monitoring'].flatMap((p) => ['--profile', p]);
    return run(compose!.command, [...compose!.prefix, '--env-file', envFile, '-f', 'docker-compose.yml', ...profiles, 'config'], {
      PATH: process.env.PATH,
      HOME: process.env.HOME ?? dir,
      ...env,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(composeSkip !== undefined)(`docker-compose.yml${composeSkip ? ` (skipped: ${composeSkip})` : ''}`, () => {
  const rendered = compose ? renderCompose({ GPUQ_API_KEYS: 'acme:deploy-test-key' }) : undefined;
  const services = rendered?.status === 0 ? (parseYaml(rendered.stdout) as { services: Record<string, ComposeService> }).services : {};
  const service = (name: string): ComposeService => {
    const found = services[name];
    if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
    return found;
  };
  const inProfile = (profile: string) => Object.keys(services).filter((name) => (service(name).profiles ?? []).includes(profile));
  const servesAs = (name: string) => [name, ...(service(name).networks?.default?.aliases ?? [])];
  const gpuReservation = (name: string) => service(name).deploy?.resources?.reservations.devices[0];

  it('renders with the tool', () => {
    expect(rendered!.stderr).not.toMatch(/error/i);
    expect(rendered!.status).toBe(0);
  });

  it('will not start without API keys, and says which variable to set', () => {
    const result = renderCompose({});
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('GPUQ_API_KEYS');
  });

  it('gives every service a healthcheck and a restart policy', () => {
    expect(Object.keys(services).length).toBeGreaterThan(5);
    for (const [name, { healthcheck, restart }] of Object.entries(services)) {
      expect(healthcheck?.test?.length, `${name} healthcheck`).toBeGreaterThan(0);
      expect(restart, `${name} restart`).toBe('unless-stopped');
    }
  });

  it('runs Redis, in every profile, with an fsynced AOF on a volume and without eviction', () => {
    const redis = service('redis');
    expect(redis.profiles).toBeUndefined();
    const command = redis.command.join(' ');
    expect(command).toContain('--appendonly yes');
    expect(command).toContain('--appendfsync everysec');
    expect(command).toContain('--maxmemory-policy noeviction');
    expect(mountsOf(redis).find((m) => m.target === '/data')?.source).toBe('redis-data');
    expect(redis.ports).toBeUndefined();
  });

  it('runs two API replicas per profile, published on loopback, reachable as api', () => {
    for (const name of ['api', 'api-cpu']) {
      const api = service(name);
      expect(servesAs(name), name).toContain('api');
      expect(Number(api.deploy?.replicas), name).toBe(2);
      expect(api.environment.GPUQ_API_KEYS).toBe('acme:deploy-test-key');
      const port = api.ports?.[0];
      expect(typeof port === 'object' ? `${port.host_ip}:${port.published}:${port.target}` : port).toMatch(/^127\.0\.0\.1:8080-8081:8080/);
      expect(mountsOf(api).find((m) => m.target === '/var/lib/gpuq/artifacts')).toMatchObject({ source: 'artifacts', readOnly: true });
    }
  });

  it('gives the GPU scheduler every GPU, the Docker socket, the jobs directory at the same path, and time to hand jobs over', () => {
    const scheduler = service('scheduler');
    const mounts = mountsOf(scheduler);
    expect(mounts).toContainEqual(expect.objectContaining({ source: '/var/run/docker.sock', target: '/var/run/docker.sock' }));
    expect(mounts).toContainEqual(expect.objectContaining({ source: '/var/lib/gpuq/jobs', target: '/var/lib/gpuq/jobs' }));
    const device = gpuReservation('scheduler');
    expect(device?.driver).toBe('nvidia');
    expect(['all', -1]).toContain(device?.count);
    expect(device?.capabilities).toContain('gpu');
    const graceS = Number(scheduler.environment.SCHEDULER_SHUTDOWN_GRACE_S);
    expect(durationS(scheduler.stop_grace_period)).toBeGreaterThan(graceS + SHUTDOWN_OVERHEAD_S);
  });

  it('gives the GPU scheduler the host’s process ids, which the driver reports GPU processes by', () => {
    expect(service('scheduler').pid).toBe('host');
    // The CPU scheduler has no GPU processes to match.
    expect(service('scheduler-cpu').pid).toBeUndefined();
  });

  it('gives the CPU scheduler neither GPUs nor the Docker socket, under the name Prometheus scrapes', () => {
    expect(servesAs('scheduler-cpu')).toContain('scheduler');
    expect(gpuReservation('scheduler-cpu')).toBeUndefined();
    expect(mountsOf(service('scheduler-cpu')).map((m) => m.source)).not.toContain('/var/run/docker.sock');
  });

  it('runs the apps built from this repository, each from an entry file that exists', () => {
    const ours = Object.entries(services).filter(([, s]) => s.build !== undefined && s.image?.startsWith('gpuq:'));
    expect(ours.map(([name]) => name).sort()).toEqual(['api', 'api-cpu', 'model-cpu', 'scheduler', 'scheduler-cpu', 'solver-cpu']);
    for (const [name, { command, read_only }] of ours) {
      expect(command[0], name).toBe('node');
      expect(builtFromSource(command[1]!), `${name}: ${command[1]}`).toBe(true);
      expect(read_only, name).toBe(true);
    }
  });

  it('splits the workers into a gpu and a cpu profile, and monitoring into its own', () => {
    expect(inProfile('gpu').sort()).toEqual(['api', 'cuopt', 'model-server', 'scheduler']);
    expect(inProfile('cpu').sort()).toEqual(['api-cpu', 'model-cpu', 'scheduler-cpu', 'solver-cpu']);
    expect(inProfile('monitoring').sort()).toEqual(['grafana', 'prometheus']);
  });

  for (const profile of ['gpu', 'cpu']) {
    it(`${profile} profile: the API and the scheduler read one config file, from a read-only mount, that passes the schema and names this profile's servers`, () => {
      const readers = inProfile(profile).filter((name) => servesAs(name).some((n) => n === 'api' || n === 'scheduler'));
      expect(readers).toHaveLength(2);
      const files = readers.map((name) => {
        const path = String(service(name).environment.GPUQ_CONFIG);
        const mount = mountsOf(service(name)).find((m) => path.startsWith(`${m.target}/`));
        expect(mount, `${name}: the mount holding ${path}`).toMatchObject({ readOnly: true });
        return join(mount!.source, path.slice(mount!.target.length + 1));
      });
      expect(files[1]).toBe(files[0]);
      expect(files[0]).toBe(inRepo('deploy', 'config', `${profile}-box.yaml`));
      const config = parseGpuqConfig(readFileSync(files[0]!, 'utf8'), files[0]!);

      for (const url of workerUrls(config)) {
        const target = inProfile(profile).find((name) => servesAs(name).includes(url.hostname));
        expect(target, `a ${profile} service named ${url.hostname}`).toBeDefined();
        const ports = Object.entries(service(target!).environment).filter(([key]) => key.endsWith('PORT')).map(([, value]) => String(value));
        expect(ports, `${target} listens on ${url.port}`).toContain(url.port);
      }
    });
  }

  it('pins the cuOpt and model servers to the GPUs gpu-box.yaml gives them', () => {
    const config = parseGpuqConfig(readFileSync(inRepo('deploy/config/gpu-box.yaml'), 'utf8'), 'gpu-box.yaml');
    const owners = [...(config.kinds.solve.servers ?? []), ...Object.values(config.kinds.inference.models)];
    expect(owners.length).toBeGreaterThan(0);
    for (const { url, gpus } of owners) {
      const deviceIds = gpuReservation(new URL(url).hostname)?.device_ids ?? [];
      expect(deviceIds.map((id) => `gpu${id}`), url).toEqual(gpus);
    }
  });

  it('mounts monitoring files that exist in the repository', () => {
    for (const name of inProfile('monitoring')) {
      for (const mount of mountsOf(service(name)).filter((m) => m.source.startsWith('/'))) {
        expect(mount.source.startsWith(ROOT), `${name}: ${mount.source}`).toBe(true);
        expect(existsSync(mount.source), `${name}: ${mount.source}`).toBe(true);
      }
    }
    expect(mountsOf(service('prometheus')).map((m) => m.target)).toEqual(expect.arrayContaining(['/etc/prometheus/prometheus.yml', '/etc/prometheus/alerts.yml']));
    expect(mountsOf(service('grafana')).map((m) => m.target)).toEqual(expect.arrayContaining(['/etc/grafana/provisioning', '/var/lib/grafana/dashboards']));
  });
});

// ---- deploy/k8s ----

/** Each kubectl found renders: the one on PATH, and Debian's older one (kustomize v2.0.3) when present. */
const kubectls = ['kubectl', '/opt/k8s-deb/root/usr/bin/kubectl'].filter((command) => !run(command, ['version', '--client']).missing);
const kubectlSkip = kubectls.length > 0 ? undefined : 'kubectl is not installed (apt-get install kubernetes-client)';
if (kubectlSkip) console.warn(`deploy/k8s checks skipped: ${kubectlSkip}`);

const podSpecs = (docs: K8sObject[]) =>
  docs.filter((d) => ['Deployment', 'StatefulSet'].includes(d.kind)).map((d) => ({ name: `${d.kind}/${d.metadata.name}`, spec: d.spec.template.spec }));
const appOf = (selector: Peer['podSelector']) => selector?.matchLabels?.['app.kubernetes.io/name'];

describe.skipIf(kubectlSkip !== undefined)(`deploy/k8s${kubectlSkip ? ` (skipped: ${kubectlSkip})` : ''}`, () => {
  const renders = kubectls.map((kubectl) => {
    const result = run(kubectl, ['kustomize', 'deploy/k8s']);
    const docs = result.status === 0 ? parseAllDocuments(result.stdout).map((d) => d.toJS() as K8sObject) : [];
    return { kubectl, result, docs };
  });

  for (const { kubectl, result, docs } of renders) {
    const maybe = (kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name);
    const find = (kind: string, name: string): K8sObject => {
      const found = maybe(kind, name);
      if (!found) throw new Error(`deploy/k8s renders no ${kind} ${name}`);
      return found;
    };

    describe(`rendered by ${kubectl}`, () => {
      it('renders', () => {
        expect(result.stderr).not.toMatch(/error/i);
        expect(result.status).toBe(0);
      });

      it('has every kind gpuq needs, each namespaced object in the gpuq namespace, and no RBAC roles', () => {
        const kinds = new Set(docs.map((d) => d.kind));
        for (const kind of ['Namespace', 'ServiceAccount', 'ConfigMap', 'Secret', 'Service', 'Deployment', 'StatefulSet', 'HorizontalPodAutoscaler', 'NetworkPolicy']) {
          expect(kinds, kind).toContain(kind);
        }
        for (const kind of ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']) expect(kinds).not.toContain(kind);
        for (const doc of docs.filter((d) => d.kind !== 'Namespace')) expect(doc.metadata.namespace, `${doc.kind}/${doc.metadata.name}`).toBe('gpuq');
      });

      it('runs one scheduler at a time on a GPU node, with GPUs, its metrics port, and time to hand jobs over', () => {
        const scheduler = find('Deployment', 'scheduler');
        expect(scheduler.spec.replicas).toBe(1);
        expect(scheduler.spec.strategy.type).toBe('Recreate');
        const pod = scheduler.spec.template.spec;
        expect(pod.nodeSelector['nvidia.com/gpu.present']).toBe('true');
        expect(pod.tolerations).toContainEqual(expect.objectContaining({ key: 'nvidia.com/gpu', operator: 'Exists' }));
        const container = pod.containers[0]!;
        expect(Number(container.resources.limits['nvidia.com/gpu'])).toBeGreaterThanOrEqual(1);
        expect(container.ports).toContainEqual(expect.objectContaining({ containerPort: 9464 }));
        const graceS = Number(container.env.find((e) => e.name === 'SCHEDULER_SHUTDOWN_GRACE_S')?.value);
        expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(graceS + SHUTDOWN_OVERHEAD_S);
        expect(find('Service', 'scheduler').spec.ports[0]?.port).toBe(9464);
      });

      it('shares the node’s PID namespace with the scheduler, which matches the pids the driver reports to its jobs, and with no other pod', () => {
        expect(find('Deployment', 'scheduler').spec.template.spec.hostPID).toBe(true);
        for (const { name, spec } of podSpecs(docs).filter((p) => p.name !== 'Deployment/scheduler')) expect(spec.hostPID, name).toBeUndefined();
      });

      it('scales the API from two replicas with an HPA on CPU, behind a Service, with probes and keys from a Secret', () => {
        const api = find('Deployment', 'api');
        expect(api.spec.replicas).toBe(2);
        const hpa = find('HorizontalPodAutoscaler', 'api');
        expect(hpa.apiVersion).toBe('autoscaling/v2');
        expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'api' });
        expect(hpa.spec.minReplicas).toBe(2);
        expect(hpa.spec.metrics[0]?.resource.name).toBe('cpu');
        const container = api.spec.template.spec.containers[0]!;
        expect(container.livenessProbe.httpGet.path).toBe('/healthz');
        expect(container.readinessProbe.httpGet.path).toBe('/readyz');
        expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
        const secretNames = (container.envFrom ?? []).map((e) => e.secretRef.name);
        const keys = docs.find((d) => d.kind === 'Secret' && secretNames.includes(d.metadata.name) && 'GPUQ_API_KEYS' in d.data);
        expect(keys, 'a Secret with GPUQ_API_KEYS that the API reads').toBeDefined();
        expect(find('Service', 'api').spec.ports[0]?.port).toBe(8080);
      });

      it('keeps Redis in a StatefulSet with an AOF on a claimed volume, behind a headless Service', () => {
        const redis = find('StatefulSet', 'redis');
        expect(redis.spec.template.spec.containers[0]?.args.join(' ')).toContain('--appendonly yes');
        expect(redis.spec.volumeClaimTemplates[0]?.metadata.name).toBe('data');
        expect(find('Service', 'redis').spec.clusterIP).toBe('None');
      });

      it('runs every container as a non-root user that cannot escalate, under a token-less service account', () => {
        const specs = podSpecs(docs);
        expect(specs.length).toBeGreaterThanOrEqual(3);
        for (const { name, spec } of specs) {
          expect(spec.automountServiceAccountToken, name).toBe(false);
          expect(maybe('ServiceAccount', spec.serviceAccountName)?.automountServiceAccountToken, `${name}: ${spec.serviceAccountName}`).toBe(false);
          for (const container of spec.containers) {
            const context = { ...spec.securityContext, ...container.securityContext };
            const who = `${name}/${container.name}`;
            expect(context.runAsNonRoot, who).toBe(true);
            expect(context.runAsUser, who).toBeGreaterThan(0);
            expect(context.allowPrivilegeEscalation, who).toBe(false);
            expect(context.capabilities?.drop, who).toContain('ALL');
          }
        }
      });

      it('refers only to ConfigMaps and Secrets it defines, and runs gpuq apps from entry files that exist', () => {
        for (const { name, spec } of podSpecs(docs)) {
          for (const { configMap } of spec.volumes ?? []) {
            if (configMap) expect(maybe('ConfigMap', configMap.name), `${name}: ${configMap.name}`).toBeDefined();
          }
          for (const container of spec.containers) {
            for (const { secretRef } of container.envFrom ?? []) expect(maybe('Secret', secretRef.name), `${name}: ${secretRef.name}`).toBeDefined();
            if (container.command?.[0] === 'node') expect(builtFromSource(container.command[1]!), `${name}: ${container.command[1]}`).toBe(true);
          }
        }
      });

      it('denies ingress by default and opens only the paths gpuq uses', () => {
        const policies = docs.filter((d) => d.kind === 'NetworkPolicy');
        const deny = policies.find((p) => Object.keys(p.spec.podSelector).length === 0 && p.spec.policyTypes.includes('Ingress'));
        expect(deny, 'a policy selecting every pod').toBeDefined();
        expect(deny?.spec.ingress ?? []).toEqual([]);
        const forApp = (app: string, type: string) => policies.filter((p) => appOf(p.spec.podSelector) === app && p.spec.policyTypes.includes(type));

        expect(forApp('api', 'Ingress').flatMap((p) => p.spec.ingress ?? [])).toContainEqual({ ports: [{ port: 8080, protocol: 'TCP' }] });

        const redisPeers = forApp('redis', 'Ingress').flatMap((p) => (p.spec.ingress ?? []).flatMap((rule) => rule.from ?? []));
        expect(redisPeers.map((peer) => appOf(peer.podSelector)).sort()).toEqual(['api', 'scheduler']);

        const metricsPeers = forApp('scheduler', 'Ingress').flatMap((p) => (p.spec.ingress ?? []).flatMap((rule) => rule.from ?? []));
        expect(metricsPeers).toContainEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } });

        const egressTo = forApp('scheduler', 'Egress').flatMap((p) => p.spec.egress.flatMap((rule) => rule.to.map((peer) => appOf(peer.podSelector))));
        expect(egressTo).toEqual(expect.arrayContaining(['redis', 'cuopt', 'model-server']));
      });

      it("mounts a config file that passes the schema and sends work only to this namespace's Services, on their ports", () => {
        const configMap = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name.startsWith('gpuq-config'));
        expect(configMap?.data['gpuq.yaml']).toBeDefined();
        const config = parseGpuqConfig(configMap!.data['gpuq.yaml']!, 'the gpuq-config ConfigMap');
        for (const url of workerUrls(config)) {
          const service = maybe('Service', url.hostname);
          expect(service, `Service ${url.hostname}`).toBeDefined();
          expect(service?.spec.ports.map((p) => String(p.port)), url.href).toContain(url.port);
        }
      });
    });
  }
});

// ---- deploy/k8s/kubernetes-executor (a kustomize Component) ----

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}
interface RbacObject {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: PolicyRule[];
  roleRef?: { kind: string; name: string };
  subjects?: { kind: string; name: string; namespace?: string }[];
}

/** deploy/k8s with these components, rendered by `kubectl kustomize` from an overlay of the operator's own beside it (kustomize loads only relative paths). */
function renderWithComponents(kubectl: string, components: readonly string[]) {
  mkdirSync(inRepo('.data'), { recursive: true });
  const dir = mkdtempSync(inRepo('.data', 'k8s-overlay-'));
  try {
    const base = relative(dir, inRepo('deploy', 'k8s'));
    writeFileSync(join(dir, 'kustomization.yaml'), `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ${base}\ncomponents:\n${components.map((c) => `  - ${base}/${c}\n`).join('')}`);
    const result = run(kubectl, ['kustomize', dir]);
    const docs = result.status === 0 ? parseAllDocuments(result.stdout).map((d) => d.toJS() as K8sObject & RbacObject) : [];
    return { kubectl, result, docs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(kubectlSkip !== undefined)(`deploy/k8s with the kubernetes-executor component${kubectlSkip ? ` (skipped: ${kubectlSkip})` : ''}`, () => {
  const renders = kubectls.map((kubectl) => renderWithComponents(kubectl, ['kubernetes-executor']));

  for (const { kubectl, result, docs } of renders) {
    describe(`rendered by ${kubectl}`, () => {
      it('renders', () => {
        expect(result.stderr).not.toMatch(/error/i);
        expect(result.status).toBe(0);
      });

      it("gives the scheduler's service account a Role in its namespace for Jobs, pods and their logs, and nothing cluster-wide", () => {
        const kinds = docs.map((d) => d.kind);
        expect(kinds).not.toContain('ClusterRole');
        expect(kinds).not.toContain('ClusterRoleBinding');
        const roles = docs.filter((d) => d.kind === 'Role');
        expect(roles).toHaveLength(1);
        const role = roles[0]!;
        expect(role.metadata.namespace).toBe('gpuq');
        const granted = role.rules!.flatMap((r) => r.resources.flatMap((res) => r.verbs.map((verb) => `${r.apiGroups.join(',')}/${res}:${verb}`))).sort();
        expect(granted).toEqual(
          ['batch/jobs:create', 'batch/jobs:get', 'batch/jobs:list', 'batch/jobs:watch', 'batch/jobs:delete', '/pods:get', '/pods:list', '/pods:watch', '/pods/log:get'].sort(),
        );
        const bindings = docs.filter((d) => d.kind === 'RoleBinding');
        expect(bindings).toHaveLength(1);
        expect(bindings[0]!.metadata.namespace).toBe('gpuq');
        expect(bindings[0]!.roleRef).toMatchObject({ kind: 'Role', name: role.metadata.name });
        expect(bindings[0]!.subjects).toEqual([{ kind: 'ServiceAccount', name: 'scheduler', namespace: 'gpuq' }]);
      });

      it("mounts the token in the scheduler's pod only, lets it reach the API server, and gives the Jobs' pods a token-less account with no egress", () => {
        for (const { name, spec } of podSpecs(docs)) expect(spec.automountServiceAccountToken, name).toBe(name === 'Deployment/scheduler');
        const jobAccount = docs.find((d) => d.kind === 'ServiceAccount' && d.metadata.name === 'gpuq-job');
        expect(jobAccount?.automountServiceAccountToken).toBe(false);
        expect(jobAccount?.metadata.namespace).toBe('gpuq');
        const apiEgress = docs.find((d) => d.kind === 'NetworkPolicy' && d.metadata.name === 'scheduler-egress-kube-api')!;
        expect(appOf(apiEgress.spec.podSelector)).toBe('scheduler');
        expect(apiEgress.spec.egress[0]).toMatchObject({ ports: [{ port: 443 }, { port: 6443 }] });
        const jobEgress = docs.find((d) => d.kind === 'NetworkPolicy' && d.metadata.name === 'gpuq-job-egress')!;
        expect(jobEgress.spec.egress).toEqual([]);
      });
    });
  }
});

describe.skipIf(kubectlSkip !== undefined)(`deploy/k8s with the kubernetes-executor and cluster-gpus components${kubectlSkip ? ` (skipped: ${kubectlSkip})` : ''}`, () => {
  const renders = kubectls.map((kubectl) => renderWithComponents(kubectl, ['kubernetes-executor', 'cluster-gpus']));

  for (const { kubectl, result, docs } of renders) {
    it(`rendered by ${kubectl}: the scheduler may read nodes and list every namespace's pods, and nothing more cluster-wide`, () => {
      expect(result.status, result.stderr).toBe(0);
      const clusterRoles = docs.filter((d) => d.kind === 'ClusterRole');
      expect(clusterRoles).toHaveLength(1);
      const granted = clusterRoles[0]!.rules!.flatMap((r) => r.resources.flatMap((res) => r.verbs.map((verb) => `${r.apiGroups.join(',')}/${res}:${verb}`))).sort();
      expect(granted).toEqual(['/nodes:get', '/nodes:list', '/pods:list']);
      const bindings = docs.filter((d) => d.kind === 'ClusterRoleBinding');
      expect(bindings).toHaveLength(1);
      expect(bindings[0]!.roleRef).toMatchObject({ kind: 'ClusterRole', name: clusterRoles[0]!.metadata.name });
      expect(bindings[0]!.subjects).toEqual([{ kind: 'ServiceAccount', name: 'scheduler', namespace: 'gpuq' }]);
      // The namespaced Role is still the only grant on Jobs.
      expect(docs.filter((d) => d.kind === 'Role')).toHaveLength(1);
    });
  }
});
