import { describe, expect, it } from 'vitest';
import { planOrphans, type OrphanRead } from '../../src/plan/keys/orphans.js';

/** The pure half of decommissioning: when --prune may retire an orphaned key (issue 26 item 4). */

const tags = (network: string, purpose = 'signer') => ({
  'managed-by': 'nomad-agent-ops',
  'nomad:environment': 'staging',
  'nomad:network': network,
  'nomad:key-name': purpose === 'signer' ? 'relayer-signer' : 'updater-attestation',
  'nomad:purpose': purpose,
  'nomad:alias': `alias/staging-${network}-relayer-signer`,
});
const read = (over: Partial<OrphanRead> = {}): OrphanRead => ({
  alias: 'alias/staging-old-relayer-signer',
  keyId: 'k1',
  tags: tags('old'),
  info: { keyId: 'k1', arn: 'arn:k1', description: 'd', keyState: 'Enabled' },
  aliased: true,
  address: '0x00000000000000000000000000000000000000aa',
  balance: { state: 'read', wei: 100n, feeWei: 100n },
  ...over,
});
const plan = (r: OrphanRead, options: { prune?: boolean; abandon?: string[] } = {}) =>
  planOrphans([r], 'us-west-2', options)[0]!;

describe('planOrphans', () => {
  it('is drained at one transfer’s fee or less, not a wei more', () => {
    expect(plan(read(), { prune: true }).action).toBe('remove');
    const funded = plan(read({ balance: { state: 'read', wei: 101n, feeWei: 100n } }), {
      prune: true,
    });
    expect(funded.action).toBe('exists');
    expect(funded.detail.orphaned).toMatchObject({ retire: 'not-drained', balanceWei: '101' });
    expect(funded.reason).toContain('keys drain');
  });

  it('retires nothing without --prune, and says what --prune would do', () => {
    const change = plan(read());
    expect(change.action).toBe('exists');
    expect(change.detail.leftover).toBe('keep');
    expect(change.reason).toContain('apply with --prune disables it');
  });

  it('never takes an unread balance for zero; abandon retires it anyway', () => {
    const unknown = read({
      balance: { state: 'unknown', why: 'unknown: network not in the file' },
    });
    expect(plan(unknown, { prune: true }).action).toBe('exists');
    expect(plan(unknown, { prune: true }).detail.orphaned?.balanceUnknown).toContain(
      'network not in the file',
    );
    const abandoned = plan(unknown, { prune: true, abandon: ['old'] });
    expect(abandoned.action).toBe('remove');
    expect(abandoned.detail.orphaned?.abandoned).toBe(true);
    // Abandoning another network changes nothing for this one.
    expect(plan(unknown, { prune: true, abandon: ['other'] }).action).toBe('exists');
  });

  it('retires an attestation key (no funds) and leaves a key pending deletion alone', () => {
    const attestation = read({ tags: tags('old', 'attestation'), balance: undefined });
    expect(plan(attestation, { prune: true }).action).toBe('remove');
    const pending = read({
      info: { keyId: 'k1', arn: 'a', description: 'd', keyState: 'PendingDeletion' },
    });
    expect(plan(pending, { prune: true }).action).toBe('exists');
    expect(plan(pending, { prune: true }).detail.orphaned?.retire).toBe('pending-deletion');
  });
});
