/**
 * Validates Kubernetes objects as an API server with strict field validation would: against the
 * Kubernetes OpenAPI schemas compiled into the `kubernetes-models` packages (core kinds and the
 * prometheus-operator ServiceMonitor), plus a check that every field is one the schema knows
 * (those packages' validators accept unknown fields, which `kubectl apply` refuses); and KServe's
 * ServingRuntime and InferenceService against kserve-schemas.ts with Ajv, their containers,
 * volumes and resources again with the Kubernetes schemas. It says what is wrong; it fixes nothing.
 */
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Ajv } from 'ajv';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Container } from 'kubernetes-models/v1/Container';
import { ResourceRequirements } from 'kubernetes-models/v1/ResourceRequirements';
import { Service } from 'kubernetes-models/v1/Service';
import { Volume } from 'kubernetes-models/v1/Volume';
import { INFERENCE_SERVICE_SCHEMA, SERVING_RUNTIME_SCHEMA } from './kserve-schemas.js';

/** A kubernetes-models class: built from plain data, validate() throws on a schema error. */
type ModelClass = new (data: any) => { validate(): void };

/** The kinds the deployment files may contain, by `apiVersion/kind`. */
const KUBERNETES_KINDS: ReadonlyMap<string, ModelClass> = new Map<string, ModelClass>([
  ['apps/v1/Deployment', Deployment],
  ['v1/Service', Service],
  ['v1/ConfigMap', ConfigMap],
  ['autoscaling/v2/HorizontalPodAutoscaler', HorizontalPodAutoscaler],
  ['policy/v1/PodDisruptionBudget', PodDisruptionBudget],
  ['monitoring.coreos.com/v1/ServiceMonitor', ServiceMonitor],
]);

const ajv = new Ajv({ allErrors: true, strict: true });
const KSERVE_KINDS = new Map([
  ['serving.kserve.io/v1alpha1/ServingRuntime', ajv.compile(SERVING_RUNTIME_SCHEMA)],
  ['serving.kserve.io/v1beta1/InferenceService', ajv.compile(INFERENCE_SERVICE_SCHEMA)],
]);

/** Every problem with `object`, as `Kind/name: path message`; empty when it is valid. */
export function validateManifest(object: Record<string, any>): string[] {
  const key = `${object.apiVersion}/${object.kind}`;
  const name = `${object.kind}/${object.metadata?.name ?? '?'}`;
  const model = KUBERNETES_KINDS.get(key);
  if (model !== undefined) return validateModel(model, object).map((e) => `${name}: ${e}`);
  const kserve = KSERVE_KINDS.get(key);
  if (kserve === undefined) return [`${name}: no schema for apiVersion/kind '${key}'`];
  const errors: string[] = [];
  if (!kserve(object)) {
    for (const e of kserve.errors ?? [])
      errors.push(`${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
  }
  // The parts KServe takes from Kubernetes' own types.
  const spec = object.spec ?? {};
  for (const [i, c] of (spec.containers ?? []).entries()) {
    errors.push(...validateModel(Container, c).map((e) => `/spec/containers/${i}${e}`));
  }
  for (const [i, v] of (spec.volumes ?? []).entries()) {
    errors.push(...validateModel(Volume, v).map((e) => `/spec/volumes/${i}${e}`));
  }
  const resources = spec.predictor?.model?.resources;
  if (resources !== undefined) {
    errors.push(
      ...validateModel(ResourceRequirements, resources).map((e) => `/spec/predictor/model/resources${e}`),
    );
  }
  return errors.map((e) => `${name}: ${e}`);
}

/** Schema errors of `data` as `model`, and the fields the schema never looked at (unknown fields). */
function validateModel(model: ModelClass, data: unknown): string[] {
  const instance = new model(data);
  const read = new Set<string>();
  const errors: string[] = [];
  try {
    instance.validate.call(tracked(instance, '', read));
  } catch (err) {
    errors.push(` ${(err as Error).message}`);
  }
  for (const path of unread(instance, '', read)) errors.push(`${path} is not a field of the schema`);
  return errors;
}

/** A view of `value` that records the path of every own property the validator reads. */
function tracked(value: unknown, path: string, read: Set<string>): unknown {
  if (value === null || typeof value !== 'object') return value;
  return new Proxy(value, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver);
      if (typeof key !== 'string' || !Object.hasOwn(target, key)) return v;
      const p = `${path}/${key}`;
      read.add(p);
      return tracked(v, p, read);
    },
  });
}

/** Paths of `value`'s own properties never read, outermost only. */
function unread(value: unknown, path: string, read: ReadonlySet<string>): string[] {
  if (value === null || typeof value !== 'object') return [];
  const out: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    const p = `${path}/${key}`;
    if (read.has(p)) out.push(...unread(v, p, read));
    else out.push(p);
  }
  return out;
}
