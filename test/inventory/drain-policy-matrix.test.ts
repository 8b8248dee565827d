/**
 * The drain policy (issue 26 item 3) as IAM evaluates it, by @cloud-copilot/iam-simulate on the
 * documents the code renders, all environments in one account: the apply role signs with the
 * orphaned key `keys.drain` declares, and with nothing else, and only while it is declared.
 */
import { describe, expect, it } from 'vitest';
import type { ResolvedEnvironment } from '../../src/config/model.js';
import { drainPolicyName } from '../../src/inventory/drain-policy.js';
import { iamFor, roleDocuments } from '../../src/inventory/iam.js';
import { toolkitKeyPolicyDocument } from '../../src/inventory/policies.js';
import { type PolicyDocument } from '../../src/inventory/types.js';
import { production, staging } from './fixtures.js';
import { simulate } from './simulate.js';

const ACCOUNT = '345678901234';
const REGION = 'us-west-2';
const ORPHAN_ALIAS = 'alias/staging-oldnet-relayer-signer';
const shared = (env: ResolvedEnvironment, drains: string[] = []): ResolvedEnvironment => ({
  ...env,
  aws: { accountId: ACCOUNT, region: REGION },
  drains: drains.map((alias) => {
    const [network = '', keyName = ''] = alias.replace(`alias/${env.name}-`, '').split(/-(.*)/);
    return { network, keyName, alias };
  }),
});
const declared = shared(staging(), [ORPHAN_ALIAS]);
const undeclared = shared(staging());
const applyDocs = (env: ResolvedEnvironment) =>
  roleDocuments(iamFor(env), `nomad-ops-${env.name}-apply`);

let n = 0;
const key = (tags: { env: string; alias: string } | undefined, aliases: string[]) => ({
  arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/22222222-0000-0000-0000-${String(++n).padStart(12, '0')}`,
  context: {
    ...(tags
      ? {
          'aws:ResourceTag/managed-by': 'nomad-agent-ops',
          'aws:ResourceTag/nomad:environment': tags.env,
          'aws:ResourceTag/nomad:alias': tags.alias,
        }
      : {}),
    'kms:ResourceAliases': aliases,
  },
});
const orphan = key({ env: 'staging', alias: ORPHAN_ALIAS }, [ORPHAN_ALIAS]);
const agentKey = key({ env: 'staging', alias: 'alias/staging-hoodi-relayer-signer' }, [
  'alias/staging-hoodi-relayer-signer',
]);
const bank = key({ env: 'staging', alias: 'alias/staging-bank' }, ['alias/staging-bank']);
/** The bank with the declared alias added by hand: its tags still name the bank's alias. */
const bankWithOrphanAlias = key({ env: 'staging', alias: 'alias/staging-bank' }, [
  'alias/staging-bank',
  ORPHAN_ALIAS,
]);
/** Production's key for the same network and key name, and one given staging's declared alias. */
const productionOrphan = key(
  { env: 'production', alias: 'alias/production-oldnet-relayer-signer' },
  ['alias/production-oldnet-relayer-signer'],
);
const productionWithStagingAlias = key(
  { env: 'production', alias: 'alias/production-ethereum-relayer-signer' },
  ['alias/production-ethereum-relayer-signer', ORPHAN_ALIAS],
);
const foreignWithOrphanAlias = key(undefined, [ORPHAN_ALIAS]);

async function verdict(
  identity: PolicyDocument[],
  k: { arn: string; context: Record<string, string | string[]> },
  action = 'kms:Sign',
) {
  return simulate({
    principal: `arn:aws:sts::${ACCOUNT}:assumed-role/nomad-ops-staging-apply/gha`,
    action,
    resource: k.arn,
    accountId: ACCOUNT,
    context: k.context,
    identity,
    resourcePolicy: toolkitKeyPolicyDocument(ACCOUNT, 'signer'),
  });
}

describe('drain policy permission matrix', () => {
  it('is a policy of the apply role, rendered from keys.drain', () => {
    const names = iamFor(declared)
      .attachments.filter((a) => a.target.name === 'nomad-ops-staging-apply')
      .map((a) => a.policyName);
    expect(names).toContain(drainPolicyName('staging'));
  });

  it('lets the apply role sign with a declared orphaned key and read its address', async () => {
    expect(await verdict(applyDocs(declared), orphan)).toBe('Allowed');
    expect(await verdict(applyDocs(declared), orphan, 'kms:GetPublicKey')).toBe('Allowed');
  });

  it('refuses the same key once the drain is no longer declared', async () => {
    expect(await verdict(applyDocs(undeclared), orphan)).toBe('ImplicitlyDenied');
  });

  const refused: [string, { arn: string; context: Record<string, string | string[]> }][] = [
    ['an aliased agent key of the file', agentKey],
    ['the bank', bank],
    ['the bank carrying the declared alias too', bankWithOrphanAlias],
    ["production's key of the same network and key name", productionOrphan],
    ['a production key given the declared alias by hand', productionWithStagingAlias],
    ['a key the toolkit did not make, holding the declared alias', foreignWithOrphanAlias],
  ];
  it.each(refused)('refuses to sign with %s', async (_what, k) => {
    expect(await verdict(applyDocs(declared), k)).toBe('ImplicitlyDenied');
  });

  it("production's apply role cannot sign with staging's declared orphan", async () => {
    const prod = shared(production(), ['alias/production-oldnet-relayer-signer']);
    expect(await verdict(applyDocs(prod), orphan)).toBe('ImplicitlyDenied');
    expect(await verdict(applyDocs(prod), productionOrphan)).toBe('Allowed');
  });
});
