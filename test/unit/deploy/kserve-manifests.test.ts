/**
 * deploy/kserve (the ServingRuntime and the example InferenceService) against KServe's schemas
 * and conventions for custom runtimes, and deploy/prometheus-adapter against the metrics Nereid
 * exports and the chart's autoscaling default.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEPLOY_DIR,
  exportedMetricNames,
  LLM_SCALING_GAUGES,
  readDeployYaml,
  serveFlags,
} from './deploy-files.js';
import { loadChart } from './helm-subset.js';
import { validateManifest } from './manifest-validator.js';

const [runtime] = readDeployYaml('kserve/servingruntime.yaml');
const [service] = readDeployYaml('kserve/inferenceservice.yaml');

describe('the KServe ServingRuntime and InferenceService', () => {
  it("pass KServe's schemas, their containers and resources the Kubernetes ones", () => {
    expect(validateManifest(runtime!)).toEqual([]);
    expect(validateManifest(service!)).toEqual([]);
  });

  it("follow KServe's custom-runtime conventions: kserve-container, /mnt/models, the v2 protocols, onnx and gguf", () => {
    const spec = runtime!.spec;
    expect(spec.containers.map((c: any) => c.name)).toEqual(['kserve-container']);
    expect(spec.protocolVersions).toEqual(['v2', 'grpc-v2']);
    expect(spec.supportedModelFormats.map((f: any) => f.name)).toEqual(
      expect.arrayContaining(['onnx', 'gguf']),
    );
    expect(serveFlags(spec.containers[0].args).values['model-repository']).toEqual(['/mnt/models']);
    expect(spec.annotations['prometheus.kserve.io/port']).toBe(
      String(serveFlags(spec.containers[0].args).values['metrics-port']),
    );
  });

  it('listen where KServe sends requests and where the probes look: HTTP on 8080', () => {
    const c = runtime!.spec.containers[0];
    const flags = serveFlags(c.args).values;
    expect(flags['http-port']).toBe(8080);
    expect(c.ports).toEqual([{ containerPort: 8080, protocol: 'TCP' }]);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 8080 });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/v2/health/live', port: 8080 });
    expect(c.securityContext).toMatchObject({ runAsUser: 1000, runAsNonRoot: true });
  });

  it('name the runtime and a format it supports, over v2, and scale on a gauge Nereid exports', async () => {
    const model = service!.spec.predictor.model;
    expect(model.runtime).toBe(runtime!.metadata.name);
    expect(runtime!.spec.supportedModelFormats.map((f: any) => f.name)).toContain(model.modelFormat.name);
    expect(runtime!.spec.protocolVersions).toContain(model.protocolVersion);
    const query: string = service!.spec.predictor.autoScaling.metrics[0].external.metric.query;
    const metric = /^sum\((\w+)\{/.exec(query)?.[1];
    expect(await exportedMetricNames()).toContain(metric);
    expect(service!.metadata.annotations['serving.kserve.io/autoscalerClass']).toBe('keda');
  });
});

describe('the Prometheus Adapter rules', () => {
  it("serve the chart's default autoscaling metric, each from a gauge Nereid exports or the LLM backend's", async () => {
    const [values] = readDeployYaml('prometheus-adapter/values.yaml');
    const rules: any[] = values!.rules.custom;
    const exported = await exportedMetricNames();
    for (const rule of rules) {
      const series = /^(\w+)\{/.exec(rule.seriesQuery)?.[1];
      expect(exported.has(series!) || LLM_SCALING_GAUGES.includes(series!), series).toBe(true);
      expect(rule.name.as).toBe(series);
      expect(rule.resources.overrides).toEqual({
        namespace: { resource: 'namespace' },
        pod: { resource: 'pod' },
      });
    }
    const chartDefault = (loadChart(join(DEPLOY_DIR, 'helm/nereid')).values.autoscaling as any).metric;
    expect(rules.map((r) => r.name.as)).toContain(chartDefault);
  });
});
