import { describe, expect, it } from 'vitest';
import { bucketFor } from '../../src/inventory/bucket.js';
import { InventoryError } from '../../src/inventory/errors.js';
import { MANAGED_BY_TAG } from '../../src/inventory/tags.js';
import { staging } from './fixtures.js';

describe('bucketFor', () => {
  it('makes proofs publicly readable through the policy only, with ACLs blocked', () => {
    const bucket = bucketFor(staging());
    expect(bucket.name).toBe('nomadxyz-staging-proofs');
    expect(bucket.publicAccessBlock).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: false,
      RestrictPublicBuckets: false,
    });
    expect(bucket.policy.Statement).toEqual([
      {
        Sid: 'PublicReadProofs',
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::nomadxyz-staging-proofs/*',
      },
    ]);
    expect(bucket.tags[MANAGED_BY_TAG]).toBe('nomad-agent-ops');
  });

  it('allows GET and HEAD from the configured origins only', () => {
    const env = staging();
    env.proofsBucket.corsOrigins = ['https://bridge.nomad.xyz', 'https://*.nomad.xyz'];
    const [rule, ...more] = bucketFor(env).cors;
    expect(more).toEqual([]);
    expect(rule?.AllowedMethods).toEqual(['GET', 'HEAD']);
    expect(rule?.AllowedOrigins).toEqual(['https://bridge.nomad.xyz', 'https://*.nomad.xyz']);
  });

  it('refuses origins S3 rejects and an empty list', () => {
    const env = staging();
    env.proofsBucket.corsOrigins = ['https://*.*.nomad.xyz'];
    expect(() => bucketFor(env)).toThrow(/one wildcard/);
    env.proofsBucket.corsOrigins = [];
    expect(() => bucketFor(env)).toThrow(InventoryError);
  });

  it('checks a configured bucket name', () => {
    const env = staging();
    env.proofsBucket.name = 'Nomad_Proofs';
    expect(() => bucketFor(env)).toThrow(/S3 bucket name "Nomad_Proofs"/);
  });
});
