import { ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { accessKeySecretName } from '../../src/aws/iam-access-keys.js';
import { OperationError } from '../../src/errors.js';
import { runIam } from '../../src/plan/iam/iam.js';
import { accountClients, stagingInventory } from './support.js';
import { requireMotoUrl } from '../harness/emulators.js';

const url = requireMotoUrl();

/** Accounts of this file: 4300000015xx. */
const account = (n: number) => `4300000015${String(n).padStart(2, '0')}`;
const USER = 'nomad-signer-staging';

describe('a stored access key whose secret cannot be written', () => {
  it('is deleted again, fails the apply, and the next run creates and stores one key', async () => {
    const accountId = account(1);
    const inventory = stagingInventory(accountId);
    const { clients } = await accountClients(url, accountId);
    expect((await runIam({ inventory, clients, mode: 'apply' })).ok).toBe(true);

    let refuse = true;
    clients.secrets.middlewareStack.add(
      (next, context) => async (args) => {
        if (refuse && context.commandName === 'CreateSecretCommand') {
          throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'refuseCreateSecret' },
    );
    const failed = runIam({ inventory, clients, mode: 'apply', createAccessKeys: true });
    await expect(failed).rejects.toBeInstanceOf(OperationError);
    await expect(failed).rejects.toThrow(
      /could not store the new access key of nomad-signer-staging .* the key was deleted again: AccessDeniedException/,
    );
    const left = await clients.iam.send(new ListAccessKeysCommand({ UserName: USER }));
    expect(left.AccessKeyMetadata).toEqual([]);

    refuse = false;
    const again = await runIam({ inventory, clients, mode: 'apply', createAccessKeys: true });
    expect(again.ok).toBe(true);
    const keys = await clients.iam.send(new ListAccessKeysCommand({ UserName: USER }));
    const secret = await clients.secrets.send(
      new GetSecretValueCommand({ SecretId: accessKeySecretName('staging', USER) }),
    );
    const stored = JSON.parse(secret.SecretString!) as { accessKeyId: string };
    expect(keys.AccessKeyMetadata!.map((k) => k.AccessKeyId)).toEqual([stored.accessKeyId]);
  });
});
