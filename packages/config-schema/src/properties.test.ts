import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { everyOptionConfig } from '../test/helpers';
import type { EngramDeployConfig } from './generated/engram-deploy-config';
import { normalize } from './normalize';
import type { ConfigIssue } from './issues';
import { unvalidatedMessage, validate } from './validate';

/** The issues validate reports for a check that threw: none may ever appear. */
const caughtFailures = (issues: readonly ConfigIssue[]) =>
  issues.filter((issue) => issue.message.startsWith(unvalidatedMessage));

/** Valid models: any subset of the top-level sections of the every-option model, plus a few independent knobs. */
const validModels: fc.Arbitrary<EngramDeployConfig> = fc
  .record({
    sections: fc.subarray(Object.keys(everyOptionConfig()) as (keyof EngramDeployConfig)[]),
    logLevel: fc.constantFrom('error', 'warn', 'info', 'debug', 'trace' as const),
    http: fc.integer({ min: 1024, max: 40000 }),
    spaces: fc.uniqueArray(fc.stringMatching(/^[a-z0-9]{4,12}$/), { minLength: 1, maxLength: 4 }),
  })
  .map(({ sections, logLevel, http, spaces }) => {
    const full = everyOptionConfig();
    const model: Record<string, unknown> = {};
    for (const section of sections) model[section] = full[section];
    // Sections that only make sense together travel together.
    if (model.engram) model.kubernetes = full.kubernetes;
    if (model.runtime) model.security = full.security;
    if (model.service) model.engram = full.engram;
    if (model.ingress) model.networkPolicy = full.networkPolicy;
    if (model.persistence) model.compose = full.compose;
    if (model.compose) model.ports = full.ports;
    if (!model.engram) model.engram = { memorySpaces: { defaultSpace: spaces[0], bootstrapSpaces: spaces } };
    if (!model.runtime) model.runtime = { logLevel };
    if (!model.ports) model.ports = { http };
    return model as EngramDeployConfig;
  });

// A hundred full validations each: seconds on a busy machine, so more than vitest's default 5 s.
describe('properties', { timeout: 30_000 }, () => {
  it('validate never throws and always answers, whatever JSON it gets, valid models included', () => {
    fc.assert(
      // Valid models reach the rules, which random JSON almost never does (the schema refuses it first).
      fc.property(fc.oneof(fc.jsonValue(), validModels), (value) => {
        const result = validate(value);
        expect(typeof result.ok).toBe('boolean');
        if (!result.ok) expect(result.issues.length).toBeGreaterThan(0);
        // validate turns a failing check into one catch-all issue; that issue means a check threw.
        expect(caughtFailures(result.issues)).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('validate never throws on models that are close to valid', () => {
    const nearlyValid = fc.record({
      ports: fc.dictionary(fc.constantFrom('http', 'grpc', 'htp'), fc.jsonValue()),
      engram: fc.record({
        memorySpaces: fc.dictionary(fc.constantFrom('defaultSpace', 'bootstrapSpaces'), fc.jsonValue()),
      }),
      resources: fc.record({ requests: fc.dictionary(fc.constantFrom('cpu', 'memory'), fc.jsonValue()) }),
      podDisruptionBudget: fc.dictionary(fc.constantFrom('minAvailable', 'maxUnavailable', 'enabled'), fc.jsonValue()),
    });
    fc.assert(
      fc.property(nearlyValid, (value) => {
        expect(caughtFailures(validate(value).issues)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('generated models are valid', () => {
    fc.assert(
      fc.property(validModels, (model) => {
        expect(validate(model).issues).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it('normalize is idempotent and its output is valid', () => {
    fc.assert(
      fc.property(validModels, (model) => {
        const once = normalize(model);
        const twice = normalize(once as EngramDeployConfig);
        expect(twice).toEqual(once);
        expect(validate(JSON.parse(JSON.stringify(once))).issues).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });
});
