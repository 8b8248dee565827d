import type { KmsKeyInfo, KmsKeyStore } from '../../aws/kms-types.js';
import { AmbiguousWriteError } from '../../aws/key-store-errors.js';
import { errorMessage, OperationError } from '../../errors.js';
import { TAG_KEYS } from '../../inventory/tags.js';
import type { KeyDetail } from './types.js';
import { searchEnvironmentKeys } from './kms-read.js';

/** CreateKey rounds for an alias whose CreateKey keeps failing ambiguously without a key. */
const CREATE_ROUNDS = 3;

/** What the create step of one alias left for its alias step. */
export interface Created {
  keyId?: string;
  /** CreateKey's answer, when it came. */
  info?: KmsKeyInfo;
  /** How an ambiguous failure was resolved. */
  note?: string;
  /** The alias appeared meanwhile (another run): nothing to create, the alias step reads it. */
  aliasAppeared?: boolean;
}

/**
 * CreateKey for one alias, the key tagged with this run's id, sent once. An ambiguous failure
 * (5xx, timeout, dropped connection) is resolved by looking the key up by the alias and run
 * tags; only when no such key exists is CreateKey sent again (DESIGN §3). Throws when no key
 * could be made.
 */
export async function createKeyFor(
  detail: KeyDetail,
  store: KmsKeyStore,
  runId: string,
): Promise<Created> {
  const environment = detail.tags[TAG_KEYS.environment];
  let lastAmbiguity = 'CreateKey failed';
  for (let round = 1; round <= CREATE_ROUNDS; round++) {
    try {
      const key = await store.createKey({
        description: detail.description,
        // Never aliased yet: the alias step records `true` right after its CreateAlias.
        tags: { ...detail.tags, [TAG_KEYS.createdByRun]: runId, [TAG_KEYS.aliased]: 'false' },
      });
      return { keyId: key.keyId, info: key };
    } catch (error) {
      if (!(error instanceof AmbiguousWriteError)) throw error;
      lastAmbiguity = errorMessage(error);
    }
    // Before anything else: did KMS create the key whose answer was lost?
    const search = await searchEnvironmentKeys(store, environment);
    const mine = search.found.find(
      (f) => f.tags[TAG_KEYS.alias] === detail.alias && f.tags[TAG_KEYS.createdByRun] === runId,
    );
    if (mine) {
      return {
        keyId: mine.keyId,
        note: `CreateKey's answer was lost but KMS had created key ${mine.keyId}: found by its tags`,
      };
    }
    if (search.aliases.some((a) => a.aliasName === detail.alias)) {
      return { aliasAppeared: true, note: `${detail.alias} appeared meanwhile (another run)` };
    }
  }
  throw new OperationError(
    `${lastAmbiguity}; after ${CREATE_ROUNDS} attempts no key with this run’s tags exists, so ` +
      'none was created: apply again when KMS is healthy',
  );
}
