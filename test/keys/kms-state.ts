import {
  DescribeKeyCommand,
  ListAliasesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';

/** KMS write operations: a run that changes nothing sends none of them. */
export const KMS_WRITES = [
  'CreateKey',
  'CreateAlias',
  'UpdateAlias',
  'DeleteAlias',
  'TagResource',
  'UntagResource',
  'EnableKey',
  'DisableKey',
  'ScheduleKeyDeletion',
  'CancelKeyDeletion',
  'UpdateKeyDescription',
  'PutKeyPolicy',
];

export const writesIn = (counts: Record<string, number>) =>
  Object.fromEntries(Object.entries(counts).filter(([op]) => KMS_WRITES.includes(op)));

export interface KeyState {
  keyId: string;
  state: string;
  tags: Record<string, string>;
}

/** Every key and alias of the account, read directly from moto (not through the code under test). */
export async function kmsState(
  kms: KMSClient,
): Promise<{ aliases: Map<string, string>; keys: KeyState[] }> {
  const { Aliases = [] } = await kms.send(new ListAliasesCommand({}));
  const aliases = new Map(
    Aliases.filter((a) => !a.AliasName!.startsWith('alias/aws/') && a.TargetKeyId).map((a) => [
      a.AliasName!,
      a.TargetKeyId!,
    ]),
  );
  const { Keys = [] } = await kms.send(new ListKeysCommand({}));
  const keys = await Promise.all(
    Keys.map(async ({ KeyId }) => {
      const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId }));
      const { Tags = [] } = await kms.send(new ListResourceTagsCommand({ KeyId }));
      return {
        keyId: KeyId!,
        state: KeyMetadata!.KeyState!,
        tags: Object.fromEntries(Tags.map((t) => [t.TagKey!, t.TagValue!])),
      };
    }),
  );
  return { aliases, keys };
}

/**
 * Exactly one usable key per alias: each alias exists, points at an enabled key, and every other
 * key the toolkit tagged for it is pending deletion. Returns the keys pending deletion, by alias.
 */
export async function expectOneKeyPerAlias(
  kms: KMSClient,
  aliases: readonly string[],
): Promise<Map<string, string[]>> {
  const { aliases: actual, keys } = await kmsState(kms);
  const pending = new Map<string, string[]>();
  for (const alias of aliases) {
    const target = actual.get(alias);
    if (!target) throw new Error(`${alias} does not exist`);
    const tagged = keys.filter(
      (k) => k.tags['nomad:alias'] === alias && k.tags['managed-by'] === 'nomad-agent-ops',
    );
    const live = tagged.filter((k) => k.state !== 'PendingDeletion');
    if (live.length !== 1 || live[0]!.keyId !== target || live[0]!.state !== 'Enabled') {
      throw new Error(
        `${alias} -> ${target}, keys tagged for it: ${JSON.stringify(tagged.map((k) => [k.keyId, k.state]))}`,
      );
    }
    pending.set(
      alias,
      tagged.filter((k) => k.state === 'PendingDeletion').map((k) => k.keyId),
    );
  }
  return pending;
}
