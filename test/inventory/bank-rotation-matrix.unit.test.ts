/**
 * The IAM of a bank rotation (issue 26 item 2), simulated with @cloud-copilot/iam-simulate on the
 * documents the code renders: the Keymaster role (its policy and its environment's boundary) moves
 * its own bank alias onto a key staged for it, and nothing else; the bank's key policy lets no
 * other principal move the alias; the apply role writes the funding record on the staged bank and
 * nothing more. KMS authorizes UpdateAlias on the alias, the key it leaves and the key it goes to:
 * a move is allowed only when all three are.
 */
import { describe, expect, it } from 'vitest';
import type { ResolvedEnvironment } from '../../src/config/model.js';
import { iamFor, roleDocuments } from '../../src/inventory/iam.js';
import { toolkitKeyPolicyDocument } from '../../src/inventory/policies.js';
import { FUNDING_RECORD_TAG_KEYS } from '../../src/inventory/tags.js';
import type { PolicyDocument } from '../../src/inventory/types.js';
import { production, staging } from './fixtures.js';
import { simulate, type Verdict } from './simulate.js';

const ACCOUNT = '345678901234';
const REGION = 'us-west-2';
const shared = (env: ResolvedEnvironment): ResolvedEnvironment => ({
  ...env,
  aws: { accountId: ACCOUNT, region: REGION },
});
const envs = { staging: shared(staging()), production: shared(production()) };
const EVERYTHING: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};

interface Principal {
  name: string;
  arn: string;
  identity: PolicyDocument[];
  boundary?: PolicyDocument;
}
const boundaryOf = (env: ResolvedEnvironment) =>
  iamFor(env).policies.find((p) => p.name === `${env.name}-boundary`)!.document;
const roleOf = (env: ResolvedEnvironment, kind: 'keymaster' | 'apply'): Principal => ({
  name: `${env.name} ${kind} role`,
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/nomad-ops-${env.name}-${kind}/gha`,
  identity: roleDocuments(iamFor(env), `nomad-ops-${env.name}-${kind}`),
  ...(kind === 'keymaster' ? { boundary: boundaryOf(env) } : {}),
});
const keymaster = roleOf(envs.staging, 'keymaster');
const productionKeymaster = roleOf(envs.production, 'keymaster');
const apply = roleOf(envs.staging, 'apply');
const administrator: Principal = {
  name: 'an administrator',
  arn: `arn:aws:iam::${ACCOUNT}:user/admin`,
  identity: [EVERYTHING],
};
/** A staging principal whose policy was rewritten to allow everything: its boundary caps it. */
const stagingSignerRewritten: Principal = {
  name: 'staging signer (policy rewritten to *:*)',
  arn: `arn:aws:iam::${ACCOUNT}:user/nomad-signer-staging`,
  identity: [EVERYTHING],
  boundary: boundaryOf(envs.staging),
};

interface Key {
  arn: string;
  context: Record<string, string | string[]>;
  policy: PolicyDocument;
}
let serial = 0;
const key = (tags: Record<string, string>, aliases: string[], purpose: 'bank' | 'signer'): Key => ({
  arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/22222222-0000-0000-0000-${String(++serial).padStart(12, '0')}`,
  context: {
    ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:ResourceTag/${k}`, v])),
    'kms:ResourceAliases': aliases,
  },
  policy: toolkitKeyPolicyDocument(ACCOUNT, purpose),
});
const tags = (env: string, alias: string, purpose: string, extra: Record<string, string> = {}) => ({
  'managed-by': 'nomad-agent-ops',
  'nomad:environment': env,
  'nomad:alias': alias,
  'nomad:purpose': purpose,
  ...extra,
});
const STAGED = { 'nomad:rotation': 'staged' };
const bank = key(tags('staging', 'alias/staging-bank', 'bank'), ['alias/staging-bank'], 'bank');
const stagedBank = key(tags('staging', 'alias/staging-bank', 'bank', STAGED), [], 'bank');
const relayer = key(
  tags('staging', 'alias/staging-alpha-relayer-signer', 'signer'),
  ['alias/staging-alpha-relayer-signer'],
  'signer',
);
/** A bank key that is not staged (an extra key for the alias, or one made by hand with its tags). */
const unstagedBankKey = key(tags('staging', 'alias/staging-bank', 'bank'), [], 'bank');
const stagedRelayer = key(
  tags('staging', 'alias/staging-alpha-relayer-signer', 'signer', STAGED),
  [],
  'signer',
);
const productionBank = key(
  tags('production', 'alias/production-bank', 'bank'),
  ['alias/production-bank'],
  'bank',
);
const productionStagedBank = key(
  tags('production', 'alias/production-bank', 'bank', STAGED),
  [],
  'bank',
);
const aliasArn = (alias: string) => `arn:aws:kms:${REGION}:${ACCOUNT}:${alias}`;

async function verdict(
  who: Principal,
  action: string,
  resource: string,
  extra: { context?: Record<string, string | string[]>; resourcePolicy?: PolicyDocument } = {},
): Promise<Verdict> {
  return simulate({
    principal: who.arn,
    action,
    resource,
    accountId: ACCOUNT,
    identity: who.identity,
    ...(who.boundary ? { boundary: who.boundary } : {}),
    ...extra,
    context: { 'aws:PrincipalArn': principalArnOf(who.arn), ...extra.context },
  });
}

/** IAM's `aws:PrincipalArn`: a role session's is its role's ARN (the simulator needs it given). */
const principalArnOf = (arn: string) =>
  arn.replace(/^arn:aws:sts::(\d+):assumed-role\/([^/]+)\/.*$/, 'arn:aws:iam::$1:role/$2');
const onKey = (k: Key) => ({ context: k.context, resourcePolicy: k.policy });

/** UpdateAlias as KMS authorizes it: the alias, the key it leaves, the key it goes to. */
async function moveAlias(who: Principal, alias: string, from: Key, to: Key) {
  return {
    alias: await verdict(who, 'kms:UpdateAlias', aliasArn(alias)),
    from: await verdict(who, 'kms:UpdateAlias', from.arn, onKey(from)),
    to: await verdict(who, 'kms:UpdateAlias', to.arn, onKey(to)),
  };
}
const allowed = (m: Record<string, Verdict>) => Object.values(m).every((v) => v === 'Allowed');

describe('bank rotation: who may move the bank alias, and onto what', () => {
  it('the staging Keymaster moves its bank alias onto the key staged for it', async () => {
    const m = await moveAlias(keymaster, 'alias/staging-bank', bank, stagedBank);
    expect(m).toEqual({ alias: 'Allowed', from: 'Allowed', to: 'Allowed' });
  });

  const attacks: Array<
    [string, Principal, string, Key, Key, keyof Awaited<ReturnType<typeof moveAlias>>]
  > = [
    [
      'onto a bank key that is not staged',
      keymaster,
      'alias/staging-bank',
      bank,
      unstagedBankKey,
      'to',
    ],
    ['onto an agent key', keymaster, 'alias/staging-bank', bank, relayer, 'to'],
    [
      'onto a key staged for another alias',
      keymaster,
      'alias/staging-bank',
      bank,
      stagedRelayer,
      'to',
    ],
    [
      "onto another environment's staged bank",
      keymaster,
      'alias/staging-bank',
      bank,
      productionStagedBank,
      'to',
    ],
    [
      "another environment's bank alias",
      keymaster,
      'alias/production-bank',
      productionBank,
      productionStagedBank,
      'alias',
    ],
    [
      'an agent alias onto a staged key',
      keymaster,
      'alias/staging-alpha-relayer-signer',
      relayer,
      stagedRelayer,
      'alias',
    ],
    [
      "the staging bank alias, by production's Keymaster",
      productionKeymaster,
      'alias/staging-bank',
      bank,
      stagedBank,
      'alias',
    ],
    ['the bank alias, by the apply role', apply, 'alias/staging-bank', bank, stagedBank, 'from'],
    [
      'the bank alias, by an administrator (key policy)',
      administrator,
      'alias/staging-bank',
      bank,
      stagedBank,
      'from',
    ],
    [
      'the bank alias, by a staging principal rewritten to *:* (boundary)',
      stagingSignerRewritten,
      'alias/staging-bank',
      bank,
      stagedBank,
      'from',
    ],
  ];
  it.each(attacks)('refuses to move %s', async (_what, who, alias, from, to, blocked) => {
    const m = await moveAlias(who, alias, from, to);
    expect(allowed(m)).toBe(false);
    expect(m[blocked]).not.toBe('Allowed');
  });

  it('an administrator is stopped by the key policy itself, whatever IAM allows', async () => {
    expect(await verdict(administrator, 'kms:UpdateAlias', stagedBank.arn, onKey(stagedBank))).toBe(
      'ExplicitlyDenied',
    );
    // Nobody deletes the bank alias, the Keymaster included.
    expect(await verdict(keymaster, 'kms:DeleteAlias', bank.arn, onKey(bank))).not.toBe('Allowed');
    expect(await verdict(administrator, 'kms:DeleteAlias', bank.arn, onKey(bank))).toBe(
      'ExplicitlyDenied',
    );
  });

  it('the Keymaster reads the staged bank and cannot sign with it before it holds the alias', async () => {
    for (const action of [
      'kms:GetPublicKey',
      'kms:ListResourceTags',
      'kms:GetKeyPolicy',
      'kms:ListGrants',
    ]) {
      expect(await verdict(keymaster, action, stagedBank.arn, onKey(stagedBank)), action).toBe(
        'Allowed',
      );
    }
    expect(await verdict(keymaster, 'kms:Sign', stagedBank.arn, onKey(stagedBank))).not.toBe(
      'Allowed',
    );
    expect(await verdict(keymaster, 'kms:Sign', bank.arn, onKey(bank))).toBe('Allowed');
    // Nor does it read another environment's staged bank.
    expect(
      await verdict(
        keymaster,
        'kms:GetPublicKey',
        productionStagedBank.arn,
        onKey(productionStagedBank),
      ),
    ).not.toBe('Allowed');
  });

  it('the apply role writes the funding record on the staged bank, and only those tags, only there', async () => {
    const record = { 'aws:TagKeys': [...FUNDING_RECORD_TAG_KEYS] };
    const tag = (k: Key, context: Record<string, string | string[]>) =>
      verdict(apply, 'kms:TagResource', k.arn, {
        context: { ...k.context, ...context },
        resourcePolicy: k.policy,
      });
    expect(await tag(stagedBank, record)).toBe('Allowed');
    expect(await tag(stagedRelayer, record)).not.toBe('Allowed');
    expect(await tag(productionStagedBank, record)).not.toBe('Allowed');
    // Not the alias tag: a staged bank cannot be re-pointed at another alias that way.
    expect(
      await tag(stagedBank, {
        'aws:TagKeys': ['nomad:alias'],
        'aws:RequestTag/nomad:alias': 'alias/staging-alpha-relayer-signer',
      }),
    ).not.toBe('Allowed');
  });
});
