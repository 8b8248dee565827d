import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { AbstractSigner } from 'ethers';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

/**
 * What an operator's script and a shell get from the built package (`npm ci` builds lib/ in its
 * prepare step; `npm test` brings it up to date in its pretest step).
 */
describe('the nomad-agent-ops package', () => {
  it('exports the library from its main entry: signer, loader, inventory, keys, Keymaster', async () => {
    // By name, as a consumer imports it (a variable, so type-checking does not need lib/ built).
    const packageName: string = 'nomad-agent-ops';
    const lib = (await import(packageName)) as Record<string, unknown>;
    const KmsSigner = lib.KmsSigner as { prototype: unknown };
    expect(KmsSigner.prototype).toBeInstanceOf(AbstractSigner);
    for (const name of [
      'loadEnvironmentFile',
      'inventoryFor',
      'keysFor',
      'fundingFor',
      'createSigner',
      'createAwsClients',
      'runKeys',
      'runKeymaster',
      'decideTopUps',
      'agentConfigFor',
    ]) {
      expect(typeof lib[name], name).toBe('function');
    }
    const loaded = (lib.loadEnvironmentFile as (p: string) => { ok: boolean })(
      path.join(root, 'environments/production.yaml'),
    );
    expect(loaded.ok).toBe(true);
  });

  it('runs as the nomad-ops binary', () => {
    const run = spawnSync(
      process.execPath,
      [path.join(root, 'bin/nomad-ops.js'), 'validate', '--json'],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    expect(run.status).toBe(0);
    expect((JSON.parse(run.stdout) as { ok: boolean }).ok).toBe(true);
  });
});
