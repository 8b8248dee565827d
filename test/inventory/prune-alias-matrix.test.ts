/**
 * `--prune` removes an orphaned key's alias (issue 26 item 4), as IAM evaluates it, by
 * @cloud-copilot/iam-simulate on the documents the code renders, all environments in one account.
 * KMS authorizes DeleteAlias on the alias and on its key: the staging apply role may remove an
 * orphaned toolkit alias of staging, never the bank's, never another environment's, never one on
 * a key the toolkit did not make.
 */
import { describe, expect, it } from 'vitest';
import type { ResolvedEnvironment } from '../../src/config/model.js';
import { iamFor, roleDocuments } from '../../src/inventory/iam.js';
import { toolkitKeyPolicyDocument } from '../../src/inventory/policies.js';
import { production, staging } from './fixtures.js';
import { defaultKeyPolicy, simulate, type Verdict } from './simulate.js';

const ACCOUNT = '345678901234';
const REGION = 'us-west-2';
const shared = (env: ResolvedEnvironment): ResolvedEnvironment => ({
  ...env,
  aws: { accountId: ACCOUNT, region: REGION },
});
const applyDocs = (env: ResolvedEnvironment) =>
  roleDocuments(iamFor(shared(env)), `nomad-ops-${env.name}-apply`);
const aliasArn = (alias: string) => `arn:aws:kms:${REGION}:${ACCOUNT}:${alias}`;

let n = 0;
/** A key as KMS presents it to IAM: its tags (when the toolkit made it) and its aliases. */
const key = (env: string | undefined, alias: string) => ({
  arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/33333333-0000-0000-0000-${String(++n).padStart(12, '0')}`,
  context: {
    ...(env
      ? {
          'aws:ResourceTag/managed-by': 'nomad-agent-ops',
          'aws:ResourceTag/nomad:environment': env,
          'aws:ResourceTag/nomad:alias': alias,
        }
      : {}),
    'kms:ResourceAliases': [alias],
  },
});

const ORPHAN = 'alias/staging-oldnet-relayer-signer';

async function deleteAlias(
  env: ResolvedEnvironment,
  alias: string,
  k: ReturnType<typeof key>,
  keyPolicy = toolkitKeyPolicyDocument(ACCOUNT, 'signer'),
): Promise<{ alias: Verdict; key: Verdict }> {
  const request = {
    principal: `arn:aws:sts::${ACCOUNT}:assumed-role/nomad-ops-${env.name}-apply/gha`,
    action: 'kms:DeleteAlias',
    accountId: ACCOUNT,
    identity: applyDocs(env),
  };
  return {
    alias: await simulate({ ...request, resource: aliasArn(alias) }),
    key: await simulate({
      ...request,
      resource: k.arn,
      context: k.context,
      resourcePolicy: keyPolicy,
    }),
  };
}

describe('--prune alias removal permission matrix (apply role)', () => {
  it('removes an orphaned toolkit alias of its environment (alias and key allowed)', async () => {
    expect(await deleteAlias(staging(), ORPHAN, key('staging', ORPHAN))).toEqual({
      alias: 'Allowed',
      key: 'Allowed',
    });
  });

  it("never the bank's alias", async () => {
    const bank = 'alias/staging-bank';
    const verdict = await deleteAlias(
      staging(),
      bank,
      key('staging', bank),
      toolkitKeyPolicyDocument(ACCOUNT, 'bank'),
    );
    expect(verdict.alias).toBe('ExplicitlyDenied');
    expect(verdict.key).toBe('ExplicitlyDenied');
    // The identity policy alone refuses it too, whatever the key policy says.
    const open = await deleteAlias(
      staging(),
      bank,
      key('staging', bank),
      defaultKeyPolicy(ACCOUNT),
    );
    expect(open.alias).toBe('ExplicitlyDenied');
  });

  it("never another environment's alias or key", async () => {
    const prodAlias = 'alias/production-oldnet-relayer-signer';
    const verdict = await deleteAlias(staging(), prodAlias, key('production', prodAlias));
    expect(verdict).toEqual({ alias: 'ImplicitlyDenied', key: 'ImplicitlyDenied' });
    // And production's apply role cannot remove staging's orphan.
    const other = await deleteAlias(production(), ORPHAN, key('staging', ORPHAN));
    expect(other).toEqual({ alias: 'ImplicitlyDenied', key: 'ImplicitlyDenied' });
  });

  it('never an alias of its namespace on a key the toolkit did not make', async () => {
    const verdict = await deleteAlias(staging(), ORPHAN, key(undefined, ORPHAN));
    expect(verdict.key).toBe('ImplicitlyDenied');
  });

  it('can then disable the unaliased orphan, and not while an alias is on it', async () => {
    const k = key('staging', ORPHAN);
    const disable = (context: Record<string, string | string[]>) =>
      simulate({
        principal: `arn:aws:sts::${ACCOUNT}:assumed-role/nomad-ops-staging-apply/gha`,
        action: 'kms:DisableKey',
        accountId: ACCOUNT,
        identity: applyDocs(staging()),
        resource: k.arn,
        context,
        resourcePolicy: toolkitKeyPolicyDocument(ACCOUNT, 'signer'),
      });
    const { 'kms:ResourceAliases': _aliases, ...unaliased } = k.context;
    expect(await disable(unaliased)).toBe('Allowed');
    expect(await disable(k.context)).toBe('ImplicitlyDenied');
  });
});
