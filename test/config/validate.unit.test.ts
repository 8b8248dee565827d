import { describe, expect, it } from 'vitest';
import { defaultKeyNames } from '../../src/config/names.js';
import { fundedRoles } from '../../src/config/validate-keymaster.js';

const roles = (funded: ReturnType<typeof fundedRoles>) =>
  Object.fromEntries([...funded].map(([network, r]) => [network, [...r.keys()].sort()]));

describe('fundedRoles', () => {
  it('funds updater, watcher, kathy at home and relayer, processor, watcher on replicas', () => {
    const funded = fundedRoles(
      [
        { name: 'home', replicas: ['far'] },
        { name: 'far', replicas: [] },
      ],
      defaultKeyNames('staging'),
    );
    expect(roles(funded)).toEqual({
      home: ['kathy', 'updater', 'watcher'],
      far: ['kathy', 'processor', 'relayer', 'updater', 'watcher'],
    });
    expect(funded.get('far')?.get('relayer')).toBe('it is a replica of home');
  });

  it('funds only roles whose -signer key exists', () => {
    const funded = fundedRoles(
      [
        { name: 'a', replicas: ['b'] },
        { name: 'b', replicas: ['a'] },
      ],
      ['updater-signer', 'watcher-attestation', 'relayer-signer'],
    );
    expect(roles(funded)).toEqual({ a: ['relayer', 'updater'], b: ['relayer', 'updater'] });
    expect(
      roles(fundedRoles([{ name: 'a', replicas: [] }], defaultKeyNames('production'))),
    ).toEqual({
      a: ['updater', 'watcher'],
    });
  });
});
