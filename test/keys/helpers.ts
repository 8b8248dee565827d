import { resolve } from 'node:path';
import { SignCommand, type KMSClient } from '@aws-sdk/client-kms';
import { Signature, SigningKey, computeAddress, randomBytes } from 'ethers';
import { createAwsClients, type AwsClients } from '../../src/aws/clients.js';
import { loadEnvironmentFile } from '../../src/config/load.js';
import type { ResolvedEnvironment } from '../../src/config/model.js';
import { parseDerSignature, SECP256K1_N } from '../../src/eth/der-signature.js';
import { runKeys, type RunKeysOptions } from '../../src/plan/keys/keys.js';
import { keyRows } from '../../src/plan/keys/rows.js';
import { requireMotoUrl } from '../harness/emulators.js';
import { motoCredentials } from '../harness/moto.js';

/** The global setup's moto (test/harness/emulators.ts), shared by every file: nothing to stop. */
export async function motoForTest(): Promise<{ url: string }> {
  return { url: requireMotoUrl() };
}

export function loadEnv(name: 'development' | 'staging' | 'production'): ResolvedEnvironment {
  const loaded = loadEnvironmentFile(
    resolve(import.meta.dirname, `../../environments/${name}.yaml`),
  );
  if (!loaded.ok) throw new Error(`environments/${name}.yaml does not load`);
  return loaded.env;
}

/** SDK clients acting in `accountId` on moto, reaching it through `endpoint` (moto or a proxy). */
export async function clientsFor(
  motoUrl: string,
  accountId: string,
  region: string,
  endpoint = motoUrl,
): Promise<AwsClients> {
  const credentials = await motoCredentials(motoUrl, accountId);
  return createAwsClients({ region, endpoint, credentials });
}

/**
 * The two addresses a KMS signature over a random 32-byte digest (DIGEST, as the signer does)
 * recovers to, one per parity: the key's true address is one of them. Independent of
 * GetPublicKey, so it checks the address we derived from the public key.
 */
export async function addressesRecoveredFromKmsSignature(
  kms: KMSClient,
  keyId: string,
): Promise<string[]> {
  const digest = randomBytes(32);
  const answer = await kms.send(
    new SignCommand({
      KeyId: keyId,
      Message: digest,
      MessageType: 'DIGEST',
      SigningAlgorithm: 'ECDSA_SHA_256',
    }),
  );
  const { r, s } = parseDerSignature(answer.Signature!);
  const lowS = s > SECP256K1_N / 2n ? SECP256K1_N - s : s;
  const hex32 = (n: bigint) => '0x' + n.toString(16).padStart(64, '0');
  const candidates = [27, 28].map((v) =>
    computeAddress(
      SigningKey.recoverPublicKey(digest, Signature.from({ r: hex32(r), s: hex32(lowS), v })),
    ),
  );
  return candidates;
}

/** `runKeys` with the key table's rows beside the result (`keyRows`). */
export async function runKeysRows(options: RunKeysOptions) {
  const result = await runKeys(options);
  return { ...result, rows: keyRows(result) };
}
