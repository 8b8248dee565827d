import type { ResolvedEnvironment } from '../config/model.js';
import type { KeySpec } from './types.js';

/** One declared rotation (`keys.rotate`) with the key it rotates. */
export interface RotationSpec {
  key: KeySpec;
  state: 'staged' | 'switched';
  reason: string;
  /** The bank: its switch moves money first, done by the Keymaster (issue 26 item 2). */
  bank: boolean;
}

/** The file's rotations, each with its key of `keys` (`keysFor(env)`), in file order. */
export function rotationsFor(env: ResolvedEnvironment, keys: readonly KeySpec[]): RotationSpec[] {
  return env.rotations.flatMap((r): RotationSpec[] => {
    const key =
      r.target === 'bank'
        ? keys.find((k) => k.purpose === 'bank')
        : keys.find((k) => k.network === r.network && k.keyName === r.keyName);
    return key ? [{ key, state: r.state, reason: r.reason, bank: r.target === 'bank' }] : [];
  });
}
