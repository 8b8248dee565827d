import { createHash, randomBytes } from 'node:crypto';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  TagResourceCommand,
  type DescribeSecretCommandOutput,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SigningKey, computeAddress, getAddress } from 'ethers';
import { TAG_KEYS } from '../inventory/tags.js';
import { registerSecret } from '../redact.js';
import { awsErrorName } from '../errors.js';
import { keyStoreError, KeyStoreError, secretReadError } from './key-store-errors.js';
import { createLimiter } from '../pool.js';

/**
 * Development keys (DESIGN §3): secp256k1 keys generated here and kept as 0x-hex in AWS Secrets
 * Manager. Only addresses leave this module: no answer, error or log line carries the hex.
 */

/** What is known about one key held in a secret. */
export type SecretKeyState =
  | { found: false }
  | {
      found: true;
      usable: true;
      secretName: string;
      arn: string;
      address: string;
      /**
       * Set by `readKey` when the `nomad:address` tag does not say the key's address: apply adds
       * (`added`) or corrects it with `tagAddress`.
       */
      tagged?: 'added' | 'corrected';
    }
  /** The secret exists but cannot be used; `problem` says why and what to do (never the value). */
  | { found: true; usable: false; secretName: string; arn: string; problem: string };

export interface SecretKeyStore {
  readonly kind: 'secrets-manager';
  readonly region: string;
  /**
   * Plan: the address from the secret's `nomad:address` tag (DescribeSecret only). The key is
   * never read, so plan credentials need no GetSecretValue.
   */
  describeKey(secretName: string): Promise<SecretKeyState>;
  /**
   * Apply: the address from the key itself (GetSecretValue); `tagged` says the `nomad:address`
   * tag must be added or corrected. Reads only.
   */
  readKey(secretName: string): Promise<SecretKeyState>;
  /** Writes the `nomad:address` tag (TagResource): the key is the truth, plans read the tag. */
  tagAddress(secretName: string, arn: string, address: string): Promise<void>;
  /** Generates a key and stores it; if the secret already exists, reads that one instead. */
  createKey(input: {
    secretName: string;
    description: string;
    tags: Record<string, string>;
  }): Promise<SecretKeyState & { found: true }>;
}

export interface SecretKeyStoreOptions {
  region: string;
  /** Concurrent calls. Default 8. */
  concurrency?: number;
}

const HEX_KEY = /^0x[0-9a-fA-F]{64}$/;

/** Same name, same token: a CreateSecret the SDK retries after a lost answer is not a second secret. */
export function clientRequestTokenFor(secretName: string): string {
  return createHash('sha256').update(`nomad-agent-ops:${secretName}`).digest('hex');
}

/** Address of a hex private key, or undefined when it is not one. Never echoes the input. */
function addressOfHexKey(value: string | undefined): string | undefined {
  const hex = value?.trim();
  if (!hex || !HEX_KEY.test(hex)) return undefined;
  try {
    return computeAddress(new SigningKey(hex).publicKey);
  } catch {
    return undefined; // zero or ≥ curve order; ethers' message would quote the key
  }
}

/** The secret's `nomad:address` tag as written, or undefined when it has none. */
function addressTagOf(described: DescribeSecretCommandOutput): string | undefined {
  return described.Tags?.find((t) => t.Key === TAG_KEYS.address)?.Value;
}

/** The EIP-55 form of a tag holding an address, or undefined when it holds none. */
function addressOfTag(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    return getAddress(value.trim());
  } catch {
    return undefined;
  }
}

function newHexKey(): { hex: string; address: string } {
  for (;;) {
    const hex = '0x' + randomBytes(32).toString('hex');
    const address = addressOfHexKey(hex);
    if (address) return { hex, address };
  }
}

export function createSecretKeyStore(
  secrets: SecretsManagerClient,
  options: SecretKeyStoreOptions,
): SecretKeyStore {
  const limit = createLimiter(options.concurrency ?? 8);

  const describe = async (secretName: string): Promise<DescribeSecretCommandOutput | undefined> => {
    try {
      return await limit(() => secrets.send(new DescribeSecretCommand({ SecretId: secretName })));
    } catch (error) {
      if (awsErrorName(error) === 'ResourceNotFoundException') return undefined;
      throw keyStoreError(error, 'Secrets Manager DescribeSecret', secretName, {
        keepCause: false,
      });
    }
  };

  /** GetSecretValue refuses secrets marked for deletion: say so, and how to restore. */
  const scheduledForDeletion = (secretName: string, arn: string): SecretKeyState => ({
    found: true,
    usable: false,
    secretName,
    arn,
    problem:
      `secret ${secretName} is scheduled for deletion: restore it with ` +
      `\`aws secretsmanager restore-secret --secret-id ${secretName}\` to keep its address`,
  });

  async function describeKey(secretName: string): Promise<SecretKeyState> {
    const described = await describe(secretName);
    if (!described) return { found: false };
    const arn = described.ARN ?? secretName;
    if (described.DeletedDate) return scheduledForDeletion(secretName, arn);
    const tag = addressTagOf(described);
    const address = addressOfTag(tag);
    if (address) return { found: true, usable: true, secretName, arn, address };
    return {
      found: true,
      usable: false,
      secretName,
      arn,
      problem:
        `secret ${secretName} ` +
        (tag === undefined
          ? `has no ${TAG_KEYS.address} tag`
          : `has a ${TAG_KEYS.address} tag that is not an address`) +
        ', so a plan cannot know its address without reading the key: run `nomad-ops keys apply` ' +
        'with the apply credentials once; it reads the key and tags the secret with its address',
    };
  }

  async function readKey(secretName: string): Promise<SecretKeyState> {
    const described = await describe(secretName);
    if (!described) return { found: false };
    const arn = described.ARN ?? secretName;
    if (described.DeletedDate) return scheduledForDeletion(secretName, arn);
    let answer;
    try {
      answer = await limit(() => secrets.send(new GetSecretValueCommand({ SecretId: secretName })));
    } catch (error) {
      const name = awsErrorName(error);
      if (name === 'ResourceNotFoundException') return { found: false };
      // Deleted between the two calls: DescribeSecret again says so.
      if (name === 'InvalidRequestException' && (await describe(secretName))?.DeletedDate) {
        return scheduledForDeletion(secretName, arn);
      }
      // No cause and no parser text: nothing from a secret read is attached to an error.
      throw secretReadError(error, 'Secrets Manager GetSecretValue', secretName);
    }
    registerSecret(answer.SecretString);
    const address = addressOfHexKey(answer.SecretString);
    if (!address) {
      return {
        found: true,
        usable: false,
        secretName,
        arn,
        problem:
          `secret ${secretName} does not hold a 0x-prefixed 32-byte hex private key: ` +
          'put a valid key in it, or delete it so a new key is generated',
      };
    }
    const tag = addressTagOf(described);
    if (addressOfTag(tag) === address)
      return { found: true, usable: true, secretName, arn, address };
    return {
      found: true,
      usable: true,
      secretName,
      arn,
      address,
      tagged: tag === undefined ? 'added' : 'corrected',
    };
  }

  async function tagAddress(secretName: string, arn: string, address: string): Promise<void> {
    // The key is the truth: plans and the Keymaster read the address from this tag.
    await limit(() =>
      secrets.send(
        new TagResourceCommand({
          SecretId: arn,
          Tags: [{ Key: TAG_KEYS.address, Value: address }],
        }),
      ),
    ).catch((error: unknown) => {
      throw keyStoreError(error, 'Secrets Manager TagResource', secretName, { keepCause: false });
    });
  }

  async function createKey(input: {
    secretName: string;
    description: string;
    tags: Record<string, string>;
  }): Promise<SecretKeyState & { found: true }> {
    const { secretName } = input;
    const generated = newHexKey();
    try {
      await limit(() =>
        secrets.send(
          new CreateSecretCommand({
            Name: secretName,
            Description: input.description,
            SecretString: generated.hex,
            ClientRequestToken: clientRequestTokenFor(secretName),
            // The address as a tag: readers without GetSecretValue (Keymaster, plan) can know it.
            Tags: Object.entries({ ...input.tags, [TAG_KEYS.address]: generated.address }).map(
              ([Key, Value]) => ({ Key, Value }),
            ),
          }),
        ),
      );
    } catch (error) {
      // Already there (an earlier run, or a retry that did land): what is stored wins.
      if (awsErrorName(error) !== 'ResourceExistsException') {
        const name = awsErrorName(error) ?? 'Error';
        throw new KeyStoreError(
          `Secrets Manager CreateSecret ${secretName} failed: ${name}` +
            (name === 'AccessDeniedException'
              ? ' (the credentials lack secretsmanager:CreateSecret)'
              : ''),
          'Secrets Manager CreateSecret',
          secretName,
        );
      }
    }
    // Read it back: the address comes from what Secrets Manager holds, not from memory.
    const stored = await readKey(secretName);
    if (!stored.found) {
      throw new KeyStoreError(
        `Secrets Manager CreateSecret ${secretName} succeeded but the secret cannot be read back: ` +
          'check secretsmanager:GetSecretValue permission and run again',
        'Secrets Manager GetSecretValue',
        secretName,
      );
    }
    if (stored.usable && stored.tagged) {
      await tagAddress(secretName, stored.arn, stored.address);
    }
    return stored;
  }

  return {
    kind: 'secrets-manager',
    region: options.region,
    describeKey,
    readKey,
    tagAddress,
    createKey,
  };
}
