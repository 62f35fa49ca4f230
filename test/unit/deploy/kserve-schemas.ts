/**
 * JSON Schemas of the parts of KServe's ServingRuntime (serving.kserve.io/v1alpha1) and
 * InferenceService (serving.kserve.io/v1beta1) that deploy/kserve uses, written from KServe's
 * published CRDs (kserve/kserve config/crd/full/serving.kserve.io_servingruntimes.yaml and
 * serving.kserve.io_inferenceservices.yaml) and the enums of its Go API (protocol versions).
 * Only the fields we use are listed, and objects refuse other fields: a new field in our files
 * must be looked up in the CRD and added here. Containers, volumes and resources are Kubernetes
 * types, validated by manifest-validator.ts with the Kubernetes schemas.
 */

const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;
/** A Kubernetes quantity or int-or-string. */
const intOrString = { anyOf: [{ type: 'integer' }, { type: 'string' }] } as const;

const metadata = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 },
    namespace: { type: 'string' },
    labels: stringMap,
    annotations: stringMap,
  },
} as const;

/** ServingRuntime: spec.containers is required; model formats, protocols, containers, pod annotations. */
export const SERVING_RUNTIME_SCHEMA = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: 'serving.kserve.io/v1alpha1' },
    kind: { const: 'ServingRuntime' },
    metadata,
    spec: {
      type: 'object',
      required: ['containers'],
      additionalProperties: false,
      properties: {
        annotations: stringMap,
        labels: stringMap,
        supportedModelFormats: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name'],
            additionalProperties: false,
            properties: {
              name: { type: 'string' },
              version: { type: 'string' },
              autoSelect: { type: 'boolean' },
              priority: { type: 'integer', minimum: 1 },
            },
          },
        },
        protocolVersions: { type: 'array', items: { enum: ['v1', 'v2', 'grpc-v1', 'grpc-v2'] } },
        multiModel: { type: 'boolean' },
        disabled: { type: 'boolean' },
        containers: { type: 'array', minItems: 1, items: { type: 'object' } },
        volumes: { type: 'array', items: { type: 'object' } },
      },
    },
  },
} as const;

const metricTarget = {
  type: 'object',
  required: ['type'],
  additionalProperties: false,
  properties: {
    type: { enum: ['Utilization', 'Value', 'AverageValue'] },
    value: intOrString,
    averageValue: intOrString,
    averageUtilization: { type: 'integer' },
  },
} as const;

/** InferenceService: a predictor with a model (format, runtime, storage), replicas and autoscaling. */
export const INFERENCE_SERVICE_SCHEMA = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: 'serving.kserve.io/v1beta1' },
    kind: { const: 'InferenceService' },
    metadata,
    spec: {
      type: 'object',
      required: ['predictor'],
      additionalProperties: false,
      properties: {
        predictor: {
          type: 'object',
          additionalProperties: false,
          properties: {
            minReplicas: { type: 'integer', minimum: 0 },
            maxReplicas: { type: 'integer', minimum: 0 },
            scaleMetric: { enum: ['cpu', 'memory', 'concurrency', 'rps'] },
            scaleTarget: { type: 'integer' },
            autoScaling: {
              type: 'object',
              additionalProperties: false,
              properties: {
                metrics: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['type'],
                    additionalProperties: false,
                    properties: {
                      type: { enum: ['Resource', 'External', 'PodMetric'] },
                      external: {
                        type: 'object',
                        required: ['metric', 'target'],
                        additionalProperties: false,
                        properties: {
                          metric: {
                            type: 'object',
                            additionalProperties: false,
                            properties: {
                              backend: { enum: ['prometheus', 'graphite'] },
                              serverAddress: { type: 'string' },
                              query: { type: 'string' },
                              namespace: { type: 'string' },
                            },
                          },
                          target: metricTarget,
                        },
                      },
                    },
                  },
                },
              },
            },
            model: {
              type: 'object',
              additionalProperties: false,
              properties: {
                modelFormat: {
                  type: 'object',
                  required: ['name'],
                  additionalProperties: false,
                  properties: { name: { type: 'string' }, version: { type: 'string' } },
                },
                runtime: { type: 'string' },
                protocolVersion: { enum: ['v1', 'v2', 'grpc-v1', 'grpc-v2'] },
                storageUri: { type: 'string' },
                resources: { type: 'object' },
              },
            },
          },
        },
      },
    },
  },
} as const;
