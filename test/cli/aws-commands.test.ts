import { beforeAll, describe, expect, it } from 'vitest';
import { bucketSuffix, nextAccountId, requireMotoUrl } from '../harness/emulators.js';
import { motoEnv, workspaceWithAccounts } from '../actions/workspace.js';
import { cli } from './helpers.js';

/**
 * The AWS commands end to end through the CLI, against moto over HTTP, each environment in the
 * account its file names (moto acts in an account through STS AssumeRole credentials): accounts
 * of this file's own (test/harness), written into a copy of the environment files.
 */
let motoUrl: string;
beforeAll(() => {
  motoUrl = requireMotoUrl();
});

const envFor = (accountId: string) => motoEnv(motoUrl, accountId);

describe('keys, iam and bucket commands on moto', () => {
  it('keys apply then plan for staging: every key exists with an address, exit 0', async () => {
    const account = nextAccountId();
    const cwd = workspaceWithAccounts({ staging: account });
    const env = await envFor(account);
    const apply = await cli(['keys', 'apply', '--env', 'staging', '--json'], { cwd, env });
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    const applied = JSON.parse(apply.stdout) as {
      keys: { alias: string; status: string; address: string }[];
    };
    expect(applied.keys).toHaveLength(29);
    expect(new Set(applied.keys.map((k) => k.status))).toEqual(new Set(['created']));
    const plan = await cli(['keys', 'plan', '--env', 'staging', '--json'], { cwd, env });
    const planned = JSON.parse(plan.stdout) as typeof applied;
    expect(new Set(planned.keys.map((k) => k.status))).toEqual(new Set(['exists']));
    // The same addresses both times: the plan reads what apply made.
    expect(planned.keys.map((k) => k.address)).toEqual(applied.keys.map((k) => k.address));
    const table = await cli(['keys', 'plan', '--env', 'staging'], { cwd, env });
    for (const column of ['Alias', 'Region', 'Key ID', 'ARN', 'Description', 'Ethereum address']) {
      expect(table.stdout).toContain(column);
    }
  }, 120_000);

  it('refuses credentials of another account with exit 2 and writes nothing', async () => {
    const [production, other] = [nextAccountId(), nextAccountId()];
    const cwd = workspaceWithAccounts({ production });
    const env = await envFor(other);
    const run = await cli(['keys', 'apply', '--env', 'production'], { cwd, env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(production);
    expect(run.stderr).toContain(other);
  }, 60_000);

  it('iam and bucket apply converge for development; a second plan changes nothing', async () => {
    const account = nextAccountId();
    const cwd = workspaceWithAccounts(
      { development: account },
      { bucketSuffix: bucketSuffix(account) },
    );
    const env = await envFor(account);
    for (const resource of ['iam', 'bucket']) {
      const apply = await cli([resource, 'apply', '--env', 'development', '--json'], { cwd, env });
      expect(apply.code, apply.stderr).toBe(0);
      const plan = await cli([resource, 'plan', '--env', 'development', '--json'], { cwd, env });
      const planned = JSON.parse(plan.stdout) as { changes: { action: string }[] };
      expect(planned.changes.length).toBeGreaterThan(0);
      expect(planned.changes.filter((c) => c.action !== 'exists')).toEqual([]);
    }
  }, 120_000);
});
