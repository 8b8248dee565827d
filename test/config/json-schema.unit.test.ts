import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderJsonSchema } from '../../src/config/json-schema.js';

const committedPath = fileURLToPath(
  new URL('../../environments/environment.schema.json', import.meta.url),
);

describe('environments/environment.schema.json', () => {
  it('is up to date with the zod schema (run `npm run schema` if this fails)', () => {
    const committed = readFileSync(committedPath, 'utf8');
    expect(
      committed === renderJsonSchema(),
      'environments/environment.schema.json is stale: run `npm run schema` and commit the result',
    ).toBe(true);
  });

  it('describes the input an editor sees: strict keys, quoted amounts, optional defaults', () => {
    const schema = JSON.parse(renderJsonSchema());
    expect(schema.$id).toMatch(/environment\.schema\.json$/);
    expect(schema.title).toBeTruthy();
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required.sort()).toEqual(['aws', 'environment', 'keymaster', 'networks']);
    const network = schema.properties.networks.items;
    expect(network.required).not.toContain('replicas');
    expect(network.properties.nativeToken.required).toEqual(['symbol']);
    const threshold =
      schema.properties.keymaster.properties.networks.additionalProperties.properties.roles
        .additionalProperties;
    expect(threshold.properties.lower.type).toBe('string');
  });

  it('is the schema the shipped environment files point their editors at', () => {
    for (const env of ['development', 'staging', 'production']) {
      const text = readFileSync(new URL(`../../environments/${env}.yaml`, import.meta.url), 'utf8');
      expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./environment.schema.json');
    }
  });
});
