import type { ResolvedEnvironment } from '../config/model.js';
import type { KeyName } from '../config/names.js';
import { keyArnPattern, secretArnPattern, secretNameFor } from './names.js';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE, TAG_KEYS } from './tags.js';
import type { PolicyDocument, PolicyStatement } from './types.js';

/**
 * Who drains an orphaned key (issue 26 item 3): the environment's apply role, in the gated apply
 * job (or by hand with that role), so a drain runs only after reviewers approved the file that
 * declares it. Its `{env}-key-drain` policy is rendered from the file's `keys.drain`; like every
 * permission of an apply role it is written by the administrator's bootstrap (an apply role never
 * widens its own permissions). It lets the role sign only with:
 *
 * - a key holding one of the declared aliases, which validation keeps out of the file's keys
 *   (orphaned: its network or key name left the file), so never a key agents sign with;
 * - tagged as the toolkit's key of this environment made for that very alias: one statement per
 *   alias, so a declared alias put by hand on another key (the bank above all, whose tags name
 *   `alias/{env}-bank`) matches nothing.
 *
 * Order: an orphan is drained before `--prune` disables it (a disabled key cannot sign). With no
 * drain declared the policy allows nothing (one statement that matches no key).
 */
export const drainPolicyName = (env: ResolvedEnvironment['name']) => `${env}-key-drain`;

/** The alias no key can hold (KMS refuses the `aws/` prefix to customers): a statement for "none". */
const NO_DRAIN = 'alias/aws/no-drain-declared';

/** Name, description and document, as the inventory adds a policy. */
export const drainPolicy = (env: ResolvedEnvironment): [string, string, PolicyDocument] => [
  drainPolicyName(env.name),
  `${env.name} keys drain: sign with the orphaned keys keys.drain declares`,
  drainPolicyDocument(env),
];

export function drainPolicyDocument(env: ResolvedEnvironment): PolicyDocument {
  const { region, accountId } = env.aws;
  const drains = env.drains ?? [];
  if (env.keyStore === 'secrets-manager' && drains.length > 0) {
    return doc({
      Sid: 'ReadDeclaredDrainSecrets',
      Effect: 'Allow',
      Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
      Resource: drains.map((d) =>
        secretArnPattern(
          region,
          accountId,
          secretNameFor(env.name, d.network, d.keyName as KeyName),
        ),
      ),
    });
  }
  const aliases = env.keyStore === 'kms' && drains.length > 0 ? drains.map((d) => d.alias) : [];
  if (aliases.length === 0) {
    return doc({
      Sid: 'NoDrainDeclared',
      Effect: 'Allow',
      Action: 'kms:DescribeKey',
      Resource: keyArnPattern(region, accountId),
      Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': NO_DRAIN } },
    });
  }
  return doc(
    ...aliases.map((alias, i): PolicyStatement => ({
      Sid: `SignWithDeclaredDrain${i}`,
      Effect: 'Allow',
      Action: ['kms:DescribeKey', 'kms:GetPublicKey', 'kms:Sign'],
      Resource: keyArnPattern(region, accountId),
      Condition: {
        'ForAnyValue:StringEquals': { 'kms:ResourceAliases': alias },
        StringEquals: {
          [`aws:ResourceTag/${MANAGED_BY_TAG}`]: MANAGED_BY_VALUE,
          [`aws:ResourceTag/${TAG_KEYS.environment}`]: env.name,
          [`aws:ResourceTag/${TAG_KEYS.alias}`]: alias,
        },
      },
    })),
  );
}

const doc = (...statements: PolicyStatement[]): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: statements,
});
