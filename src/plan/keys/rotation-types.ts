/** The steps and the row detail of a key rotation (decided in `rotation.ts`). */

export type RotationStep =
  | { op: 'create-staged' }
  | { op: 'mark-retired'; keyId: string }
  | { op: 'move-alias'; keyId: string }
  | { op: 'unmark-staged'; keyId: string }
  | { op: 'untag-alias'; keyId: string }
  | { op: 'retire'; keyId: string; days: number }
  /** A second staged key a racing or retried stage made (it never held the alias). */
  | { op: 'retire-extra'; keyId: string; days: number };

/** `KeyDetail.rotation`: what a reviewer reads, and the steps apply runs. */
export interface RotationDetail {
  state: 'staged' | 'switched';
  reason: string;
  /** The key the alias points at now, and its address. */
  current?: { keyId: string; address?: string };
  /** The staged (or, after the switch, new) key, and its address. */
  next?: { keyId: string; address?: string };
  /** The key the switch retired, once it did. */
  retired?: { keyId: string; address?: string; deletionDate?: string };
  steps: RotationStep[];
}
