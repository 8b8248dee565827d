import { describe, expect, it } from 'vitest';
import { boundaryPolicyDocument } from '../../src/inventory/boundary.js';
import { stateBucketName } from '../../src/inventory/keymaster-state.js';
import { staging } from './fixtures.js';
import { simulate } from './simulate.js';

/**
 * The boundary caps the Keymaster at its environment's buckets. A proofs bucket named outside
 * `nomadxyz-{env}-` gives a state bucket outside that prefix too: the boundary must still let the
 * Keymaster take its lease and append to its ledger there, and nothing else of that name family.
 */
describe('permissions boundary and a custom proofs bucket name', () => {
  const env = { ...staging(), proofsBucket: { name: 'acme-proofs', corsOrigins: ['*'] } };
  const account = env.aws.accountId;
  const keymaster = `arn:aws:iam::${account}:role/nomad-ops-staging-keymaster`;
  const boundary = boundaryPolicyDocument(env, env.proofsBucket.name);
  const allowAll = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
  };

  it('names the state bucket of that proofs bucket', () => {
    expect(stateBucketName(env)).toBe('acme-keymaster');
  });

  it.each([
    ['acme-keymaster', 'lease/bank.json', 'Allowed'],
    ['acme-keymaster', 'ledger/1.json', 'Allowed'],
    ['acme-proofs', 'ethereum_1', 'Allowed'],
    ['acme-other', 'x', 'ImplicitlyDenied'],
  ])('PutObject %s/%s through the boundary: %s', async (bucket, key, verdict) => {
    expect(
      await simulate({
        principal: keymaster,
        action: 's3:PutObject',
        resource: `arn:aws:s3:::${bucket}/${key}`,
        accountId: account,
        identity: [allowAll],
        boundary,
      }),
    ).toBe(verdict);
  });
});
