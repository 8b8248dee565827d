import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { InputError, OperationError } from '../errors.js';

/** The credentials act in a different account than the environment file names: bad input. */
export class AccountMismatchError extends InputError {}

/** The account the credentials act in, as STS reports it. */
export async function callerAccount(sts: STSClient): Promise<string> {
  const { Account } = await sts.send(new GetCallerIdentityCommand({}));
  if (!Account) throw new OperationError('STS GetCallerIdentity returned no account id');
  return Account;
}

/**
 * Refuses to go on when the credentials belong to another account than the environment file
 * says: writing the staging shape into the production account is the mistake this prevents.
 */
export async function assertAccount(
  sts: STSClient,
  expected: string,
  source = 'the environment file',
): Promise<void> {
  const actual = await callerAccount(sts);
  if (actual !== expected) {
    throw new AccountMismatchError(
      `${source} names AWS account ${expected}, but the credentials act in account ${actual}; ` +
        `use credentials for account ${expected} (or fix aws.accountId) — nothing was changed`,
    );
  }
}
