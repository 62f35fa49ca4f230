/** Unit: parsing `--http-restricted-api` / `--grpc-restricted-protocol` and the header check. */
import { describe, expect, it } from 'vitest';
import { carriesRestrictionValue, parseRestrictions } from '../../../src/frontends/access/index.js';
import { RPC_CATEGORY } from '../../../src/frontends/grpc/grpc-restrictions.js';
import { matchRoute, ROUTE_CATEGORY, RouteKind } from '../../../src/frontends/http/http-router.js';
import { loadProtos } from '../../../src/protocol/grpc/index.js';
import { serverErrorOf } from '../../helpers/server-error-of.js';

describe('restricted APIs', () => {
  it('parses categories, lower-cases the key and prefixes it for gRPC with Triton texts', () => {
    const http = parseRestrictions(['model-repository, shared-memory:Admin-Key=s3cret=x'], 'http');
    expect([...http.keys()]).toEqual(['model-repository', 'shared-memory']);
    const r = http.get('model-repository')!;
    expect(r.key).toBe('admin-key');
    expect(r.value.toString()).toBe('s3cret=x');
    expect(r.message).toBe("This API is restricted, expecting header 'admin-key'");
    const grpc = parseRestrictions(['inference:infer-key=abc'], 'grpc').get('inference')!;
    expect(grpc.key).toBe('triton-grpc-protocol-infer-key');
    expect(grpc.message).toBe(
      "This protocol is restricted, expecting header 'triton-grpc-protocol-infer-key'",
    );
  });

  it('refuses unknown APIs, missing parts, bad header names, empty values and a category given twice', () => {
    const cases: [string[], string][] = [
      [
        ['models:k=v'],
        "--http-restricted-api names unknown API 'models': allowed health, metadata, inference",
      ],
      [['inference'], '--http-restricted-api takes <api>[,<api>...]:<key>=<value>'],
      [[':k=v'], '--http-restricted-api takes <api>[,<api>...]:<key>=<value>'],
      [['inference:k'], '--http-restricted-api takes <api>[,<api>...]:<key>=<value>'],
      [['inference:k='], "--http-restricted-api value for key 'k' must not be empty"],
      [['inference:bad key=v'], "--http-restricted-api key must be a header name: received 'bad key'"],
      [
        ['inference:a=1', 'health,inference:b=2'],
        "--http-restricted-api restricts API 'inference' more than once",
      ],
    ];
    for (const [values, message] of cases) {
      const err = serverErrorOf(() => parseRestrictions(values, 'http'));
      expect(err.code).toBe('ERR_RESTRICTED_API');
      expect(err.message, values.join(' ')).toContain(message);
    }
  });

  it('accepts only the exact value', () => {
    const r = parseRestrictions(['inference:k=Secret'], 'http').get('inference')!;
    expect(carriesRestrictionValue(r, 'Secret')).toBe(true);
    expect(carriesRestrictionValue(r, ['Secret', 'x'])).toBe(true);
    for (const bad of [undefined, '', 'secret', 'Secret2', 'Secre'])
      expect(carriesRestrictionValue(r, bad)).toBe(false);
  });

  it('files every HTTP route kind under a category (none left open by omission)', () => {
    expect(ROUTE_CATEGORY).toHaveLength(Object.keys(RouteKind).length);
    expect(ROUTE_CATEGORY[RouteKind.NOT_FOUND]).toBeNull();
    expect(ROUTE_CATEGORY.slice(1).every((c) => c !== null)).toBe(true);
    expect(ROUTE_CATEGORY[RouteKind.REPOSITORY_LOAD]).toBe('model-repository');
    expect(ROUTE_CATEGORY[RouteKind.GENERATE_STREAM]).toBe('inference');
  });

  it('routes every path under /dashboard to the dashboard, filed under statistics', () => {
    for (const path of ['/dashboard', '/dashboard/', '/dashboard/events?x', '/dashboard/../v2/health/live']) {
      expect([path, matchRoute(path).kind]).toEqual([path, RouteKind.DASHBOARD]);
    }
    for (const path of ['/dashboards', '/dashboardx/', '/v2/dashboard']) {
      expect([path, matchRoute(path).kind]).toEqual([path, RouteKind.NOT_FOUND]);
    }
    expect(ROUTE_CATEGORY[RouteKind.DASHBOARD]).toBe('statistics');
  });

  it('files every gRPC method of both services under a category', () => {
    const protos = loadProtos();
    const methods = [...Object.keys(protos.inferenceService), ...Object.keys(protos.healthService)];
    expect(methods.length).toBeGreaterThan(20);
    for (const m of methods) expect(RPC_CATEGORY[m], m).toBeDefined();
  });
});
