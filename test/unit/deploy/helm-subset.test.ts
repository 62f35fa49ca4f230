/**
 * Unit: the chart renderer gives Go template / Sprig results for the subset the chart uses, and
 * refuses what it does not render (other actions, undeclared values, numbers Helm would print in
 * exponent form). The validator the chart tests rely on refuses unknown fields and wrong types.
 */
import { describe, expect, it } from 'vitest';
import { type Chart, manifestObjects, mergeValues, renderChart } from './helm-subset.js';
import { validateManifest } from './manifest-validator.js';

function chartOf(templates: Record<string, string>, values: Record<string, unknown> = {}): Chart {
  return {
    meta: { name: 'c', version: '1.2.3', appVersion: '9.9' },
    values,
    templates: new Map(Object.entries(templates)),
  };
}

function renderOne(template: string, values: Record<string, unknown> = {}, helpers = ''): string {
  const chart = chartOf({ '_helpers.tpl': helpers, 'x.yaml': template }, values);
  return renderChart(chart, { releaseName: 'rel' }).manifests[0]!.text;
}

describe('the chart renderer', () => {
  it('trims whitespace on the side of a dash and keeps it elsewhere', () => {
    expect(renderOne('a:\n  {{- " b" }}\nc: {{ "d" -}}  \n  e', {})).toBe('a: b\nc: de');
    expect(renderOne('x: {{ .Release.Name }} {{ .Chart.AppVersion }}\n')).toBe('x: rel 9.9\n');
  });

  it('takes the first true branch of if / else if / else, with Go truth for empty lists and maps', () => {
    const t = '{{- if .Values.a }}A{{- else if .Values.b }}B{{- else }}C{{- end }}';
    expect(renderOne(t, { a: [1], b: true })).toBe('A');
    expect(renderOne(t, { a: [], b: { k: 1 } })).toBe('B');
    expect(renderOne(t, { a: 0, b: {} })).toBe('C');
    expect(renderOne('{{ if not .Values.a }}off{{ end }}', { a: false })).toBe('off');
  });

  it('renders toYaml with sorted keys under nindent, as helm does', () => {
    const text = renderOne('spec:\n  r:\n    {{- toYaml .Values.r | nindent 4 }}\n', {
      r: { limits: { memory: '2Gi' }, requests: { cpu: '1' } },
    });
    expect(text).toBe('spec:\n  r:\n    limits:\n      memory: 2Gi\n    requests:\n      cpu: "1"\n');
  });

  it('includes defined templates with the given dot, and applies default, quote, eq and add', () => {
    const helpers = '{{- define "name" -}}\n{{ .Release.Name }}-x\n{{- end }}';
    expect(renderOne('n: {{ include "name" . }}', {}, helpers)).toBe('n: rel-x');
    expect(renderOne('t: {{ .Values.tag | default .Chart.AppVersion | quote }}', { tag: '' })).toBe(
      't: "9.9"',
    );
    expect(renderOne('{{ if eq .Values.k "v" }}yes{{ end }}', { k: 'v' })).toBe('yes');
    expect(renderOne('g: {{ add .Values.a .Values.b 5 }}', { a: 10, b: 30 })).toBe('g: 45');
  });

  it('merges overrides into values map by map, replacing lists and scalars', () => {
    expect(mergeValues({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, d: 2 })).toEqual({
      a: { b: 1, c: [3] },
      d: 2,
    });
  });

  it('refuses undeclared values, other actions and functions, and numbers helm prints as 1e+06', () => {
    expect(() => renderOne('{{ .Values.missing }}', {})).toThrow(
      'x.yaml: .Values.missing is not declared (values.yaml declares every value)',
    );
    expect(() => renderOne('{{ range .Values.a }}{{ end }}', { a: [] })).toThrow(
      "not in the chart's template subset",
    );
    expect(() => renderOne('{{ upper "a" }}')).toThrow(
      'function "upper" is not in the chart\'s template subset',
    );
    expect(() => renderOne('size: {{ .Values.n }}', { n: 67108864 })).toThrow(
      '67108864 would print as 6.7108864e+7',
    );
    expect(() => renderOne('{{ if .Values.a }}x', { a: 1 })).toThrow('a block is not closed with {{ end }}');
  });

  it('splits rendered files into YAML documents and refuses duplicate keys', () => {
    const files = [{ source: 'a.yaml', text: '\n---\nkind: A\n---\n# only a comment\n---\nkind: B\n' }];
    expect(manifestObjects(files).map((o) => o.kind)).toEqual(['A', 'B']);
    expect(() => manifestObjects([{ source: 'b.yaml', text: 'kind: A\nkind: B\n' }])).toThrow();
  });
});

describe('the manifest validator', () => {
  const deployment = (container: Record<string, unknown>) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', labels: { a: 'b' } },
    spec: {
      selector: { matchLabels: { a: 'b' } },
      template: {
        metadata: { labels: { a: 'b' } },
        spec: { containers: [{ name: 'c', image: 'i', ...container }] },
      },
    },
  });

  it('accepts a valid object, labels and resources included', () => {
    expect(validateManifest(deployment({ resources: { limits: { memory: '1Gi' } } }))).toEqual([]);
  });

  it('names a field the schema does not know, as kubectl apply would refuse it', () => {
    expect(validateManifest(deployment({ readinessProb: { httpGet: { path: '/', port: 80 } } }))).toEqual([
      'Deployment/d: /spec/template/spec/containers/0/readinessProb is not a field of the schema',
    ]);
  });

  it('names a value of the wrong type', () => {
    const errors = validateManifest(deployment({ ports: [{ containerPort: 'http' }] }));
    expect(errors.join('\n')).toContain('containerPort must be integer');
  });

  it('checks KServe objects against the KServe schemas and their containers against Kubernetes', () => {
    const runtime = {
      apiVersion: 'serving.kserve.io/v1alpha1',
      kind: 'ServingRuntime',
      metadata: { name: 'r' },
      spec: { protocolVersions: ['v3'], containers: [{ name: 'kserve-container', image: 'i', argz: [] }] },
    };
    const errors = validateManifest(runtime).join('\n');
    expect(errors).toContain('/spec/protocolVersions/0 must be equal to one of the allowed values');
    expect(errors).toContain('/spec/containers/0/argz is not a field of the schema');
    expect(validateManifest({ apiVersion: 'x/v1', kind: 'Y', metadata: { name: 'z' } })).toEqual([
      "Y/z: no schema for apiVersion/kind 'x/v1/Y'",
    ]);
  });
});
