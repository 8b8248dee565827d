import { describe, expect, it } from 'vitest';
import { awsForEnvironment } from '../../src/jobs/aws.js';
import { loadEnvironment } from '../../src/jobs/environment.js';
import { keysJob } from '../../src/jobs/keys.js';
import { keymasterJob } from '../../src/jobs/keymaster.js';
import { developmentWorkspace } from '../actions/workspace.js';
import { nextAccountId } from '../harness/emulators.js';

const ACCOUNT = nextAccountId();

describe('keymasterJob', () => {
  it('retries the bank key on the next run after one failed read (a serve loop recovers)', async () => {
    const { cwd, vars } = await developmentWorkspace(ACCOUNT);
    const env = loadEnvironment('development', cwd);
    const clients = await awsForEnvironment(env, vars);
    expect((await keysJob(env, clients, 'apply')).result.ok).toBe(true);

    // The first read of the bank's secret fails as a throttled call would after its retries.
    // (Its DescribeSecret, which reads the approved funding settings, is not the read in question.)
    let failures = 1;
    clients.secrets.middlewareStack.add(
      (next, context) => async (args) => {
        if (
          context.commandName === 'GetSecretValueCommand' &&
          args.input &&
          (args.input as { SecretId?: string }).SecretId?.includes('/bank/') &&
          failures > 0
        ) {
          failures--;
          throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'failOnce' },
    );
    const job = keymasterJob(env, clients, vars);
    await expect(job.runOnce({ dryRun: false })).rejects.toThrow(/Rate exceeded/);
    const second = await job.runOnce({ dryRun: false });
    // The bank is unfunded here, so nothing is paid; what matters is that it could sign again.
    expect(second.bankAddress).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(second.failures.every((f) => f.kind !== 'signer')).toBe(true);
  }, 60_000);
});
