/**
 * The Helm chart (deploy/helm/nereid), rendered without helm by helm-subset.ts with its defaults
 * and with each model-repository source, cache, autoscaling and monitoring option: every object
 * passes the Kubernetes schemas with strict field validation, the server's arguments are flags
 * `nereid serve` accepts, and the parts that must agree (probes and ports, grace period and exit
 * timeout, selectors and labels, the HPA's metric and what Nereid exports) agree.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEPLOY_DIR, exportedMetricNames, serveFlags } from './deploy-files.js';
import { loadChart, manifestObjects, renderChart } from './helm-subset.js';
import { validateManifest } from './manifest-validator.js';

const chart = loadChart(join(DEPLOY_DIR, 'helm/nereid'));

/** Value sets that together turn on every option of the chart. */
const VARIANTS: Record<string, Record<string, unknown>> = {
  'its defaults': {},
  'a PVC repository, Redis in the chart, autoscaling and a ServiceMonitor': {
    modelRepository: { persistentVolumeClaim: { claimName: 'models', subPath: 'model_repository' } },
    cache: { redis: { enabled: true }, options: 'ttl_ms=600000' },
    autoscaling: { enabled: true },
    metrics: { serviceMonitor: { enabled: true, labels: { release: 'prometheus' } } },
  },
  'a ConfigMap repository and an external Redis': {
    modelRepository: {
      configMap: { name: 'models', items: [{ key: 'simple.config.pbtxt', path: 'simple/config.pbtxt' }] },
    },
    cache: { external: { host: 'redis.cache.svc', port: 6380 } },
  },
  'an init-container repository, extra flags, pod placement and no PDB': {
    modelRepository: {
      initContainer: {
        enabled: true,
        image: 'busybox:1.36',
        command: ['sh', '-c'],
        args: ['cp -r /bundle/. /models'],
        resources: { limits: { memory: '256Mi' } },
      },
    },
    server: {
      extraArgs: ['--model-control-mode=poll', '--repository-poll-secs=60'],
      env: [{ name: 'TZ', value: 'UTC' }],
    },
    imagePullSecrets: [{ name: 'registry' }],
    nodeSelector: { 'kubernetes.io/arch': 'amd64' },
    tolerations: [{ key: 'inference', operator: 'Exists', effect: 'NoSchedule' }],
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'nereid' } },
      },
    ],
    podDisruptionBudget: { enabled: false },
  },
};

function render(values: Record<string, unknown> = {}) {
  const rendered = renderChart(chart, { releaseName: 'infer', namespace: 'ml', values });
  return { objects: manifestObjects(rendered.manifests), notes: rendered.notes };
}

function find(objects: Record<string, any>[], kind: string, name = 'infer'): Record<string, any> {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (found === undefined)
    throw new Error(`No ${kind}/${name} among ${objects.map((o) => o.kind).join(', ')}`);
  return found;
}

/** The server container of the Deployment. */
function server(objects: Record<string, any>[]): Record<string, any> {
  return find(objects, 'Deployment').spec.template.spec.containers[0];
}

describe.each(Object.entries(VARIANTS))('the chart rendered with %s', (_, values) => {
  it('renders only objects that pass the Kubernetes schemas with strict field validation', () => {
    const { objects } = render(values);
    expect(objects.length).toBeGreaterThanOrEqual(2);
    for (const object of objects) expect(validateManifest(object)).toEqual([]);
  });

  it('starts the server with flags nereid serve accepts, and says how to reach it', () => {
    const { objects, notes } = render(values);
    const flags = serveFlags(server(objects).args);
    expect(flags.positional).toEqual([]);
    expect(notes).toContain('kubectl port-forward svc/infer 8000:8000');
  });
});

describe('the chart', () => {
  it('probes the v2 health endpoints on named ports 8000, 8001 and 8002, which the Service exposes', () => {
    const { objects } = render();
    const c = server(objects);
    expect(c.ports.map((p: any) => [p.name, p.containerPort])).toEqual([
      ['http', 8000],
      ['grpc', 8001],
      ['metrics', 8002],
    ]);
    const flags = serveFlags(c.args).values;
    expect([flags['http-port'], flags['grpc-port'], flags['metrics-port']]).toEqual([8000, 8001, 8002]);
    expect(c.startupProbe.httpGet).toEqual({ path: '/v2/health/live', port: 'http' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/v2/health/live', port: 'http' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 'http' });
    // The other probes wait for the startup probe, which allows 5 minutes for the models to load.
    expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBe(300);
    const service = find(objects, 'Service');
    expect(service.spec.ports.map((p: any) => [p.port, p.targetPort])).toEqual([
      [8000, 'http'],
      [8001, 'grpc'],
      [8002, 'metrics'],
    ]);
  });

  it('gives a pod its preStop sleep plus --exit-timeout-secs plus 5 s to stop, whatever the values', () => {
    for (const [sleep, timeout] of [
      [10, 30],
      [0, 120],
      [25, 5],
    ]) {
      const { objects } = render({ server: { preStopSleepSeconds: sleep, exitTimeoutSeconds: timeout } });
      const pod = find(objects, 'Deployment').spec.template.spec;
      const c = pod.containers[0];
      expect(c.lifecycle.preStop.exec.command).toEqual(['sleep', String(sleep)]);
      expect(serveFlags(c.args).values['exit-timeout-secs']).toBe(timeout);
      expect(pod.terminationGracePeriodSeconds).toBe(sleep! + timeout! + 5);
    }
  });

  it('rolls out one new pod at a time without taking a ready one away first', () => {
    const { objects } = render();
    expect(find(objects, 'Deployment').spec.strategy.rollingUpdate).toEqual({
      maxSurge: 1,
      maxUnavailable: 0,
    });
  });

  it('runs as uid 1000, non-root, without privileges, on a read-only root with a writable /tmp', () => {
    const { objects } = render();
    const pod = find(objects, 'Deployment').spec.template.spec;
    const c = pod.containers[0];
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    expect(pod.volumes).toContainEqual({ name: 'tmp', emptyDir: { sizeLimit: '1Gi' } });
  });

  it('selects the server pods, and not the Redis pod, from the Service, the PDB and the ServiceMonitor', () => {
    const { objects } = render(
      VARIANTS['a PVC repository, Redis in the chart, autoscaling and a ServiceMonitor'],
    );
    const deployment = find(objects, 'Deployment');
    const podLabels = deployment.spec.template.metadata.labels;
    const redisLabels = find(objects, 'Deployment', 'infer-redis').spec.template.metadata.labels;
    const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
      Object.entries(selector).every(([k, v]) => labels[k] === v);
    for (const selector of [
      deployment.spec.selector.matchLabels,
      find(objects, 'Service').spec.selector,
      find(objects, 'PodDisruptionBudget').spec.selector.matchLabels,
    ]) {
      expect(matches(selector, podLabels)).toBe(true);
      expect(matches(selector, redisLabels)).toBe(false);
    }
    const monitor = find(objects, 'ServiceMonitor');
    expect(monitor.metadata.labels.release).toBe('prometheus');
    expect(matches(monitor.spec.selector.matchLabels, find(objects, 'Service').metadata.labels)).toBe(true);
    expect(
      matches(monitor.spec.selector.matchLabels, find(objects, 'Service', 'infer-redis').metadata.labels),
    ).toBe(false);
    expect(monitor.spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '15s' }]);
  });

  it("serves a PVC's folder read-only and shares the chart's Redis as the response cache", () => {
    const { objects } = render(
      VARIANTS['a PVC repository, Redis in the chart, autoscaling and a ServiceMonitor'],
    );
    const pod = find(objects, 'Deployment').spec.template.spec;
    const c = pod.containers[0];
    const flags = serveFlags(c.args).values;
    expect(flags['model-repository']).toEqual(['/models']);
    expect(flags['cache-config']).toEqual(['redis,host=infer-redis,port=6379,ttl_ms=600000']);
    expect(c.volumeMounts).toContainEqual({
      name: 'model-repository',
      mountPath: '/models',
      readOnly: true,
      subPath: 'model_repository',
    });
    expect(pod.volumes).toContainEqual({
      name: 'model-repository',
      persistentVolumeClaim: { claimName: 'models', readOnly: true },
    });
    const redisService = find(objects, 'Service', 'infer-redis');
    expect(redisService.spec.ports[0].port).toBe(6379);
    const redis = find(objects, 'Deployment', 'infer-redis').spec.template.spec.containers[0];
    expect(redis.args).toEqual([
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory',
      '512mb',
      '--maxmemory-policy',
      'allkeys-lru',
    ]);
  });

  it('fills the repository with the init container before the server reads it', () => {
    const { objects } = render(
      VARIANTS['an init-container repository, extra flags, pod placement and no PDB'],
    );
    const pod = find(objects, 'Deployment').spec.template.spec;
    expect(pod.initContainers[0].volumeMounts).toEqual([{ name: 'model-repository', mountPath: '/models' }]);
    expect(pod.containers[0].volumeMounts).toContainEqual({
      name: 'model-repository',
      mountPath: '/models',
      readOnly: true,
    });
    expect(serveFlags(pod.containers[0].args).values['model-control-mode']).toBe('poll');
    expect(objects.some((o) => o.kind === 'PodDisruptionBudget')).toBe(false);
  });

  it('scales on a per-pod gauge Nereid exports and leaves the replica count to the autoscaler', async () => {
    const { objects } = render({ autoscaling: { enabled: true } });
    const hpa = find(objects, 'HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'infer' });
    const metric = hpa.spec.metrics[0];
    expect(metric.type).toBe('Pods');
    expect(metric.pods.target).toEqual({ type: 'AverageValue', averageValue: '8' });
    expect(await exportedMetricNames()).toContain(metric.pods.metric.name);
    expect(find(objects, 'Deployment').spec.replicas).toBeUndefined();
    expect(render().objects.some((o) => o.kind === 'HorizontalPodAutoscaler')).toBe(false);
    expect(find(render().objects, 'Deployment').spec.replicas).toBe(2);
  });
});
