/**
 * KMS calls and wall time for 100 signatures: KmsSigner (public key fetched once) against the
 * naive way many published KMS signers work (GetPublicKey before every signature).
 * Run: npx tsx bench/kms-signer.bench.ts — starts its own moto, prints a markdown table.
 */
import {
  CreateKeyCommand,
  GetPublicKeyCommand,
  SignCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { getBytes, randomBytes, recoverAddress, type Signature } from 'ethers';
import { createAwsClients } from '../src/aws/clients.js';
import { addressFromSpki } from '../src/eth/address.js';
import { ethereumSignatureFromDer } from '../src/eth/der-signature.js';
import { KmsSigner } from '../src/signer/kms-signer.js';
import { startKmsProxy } from '../test/eth/kms-proxy.js';
import { MOTO_BOOTSTRAP_CREDENTIALS, MOTO_REGION, startMoto } from '../test/harness/moto.js';

const SIGNATURES = 100;

/** The common bug: the address (hence the public key) is looked up again for every signature. */
async function naiveSignDigest(
  kms: KMSClient,
  keyId: string,
  digest: Uint8Array,
): Promise<Signature> {
  const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
  const address = addressFromSpki(PublicKey!);
  const { Signature: der } = await kms.send(
    new SignCommand({
      KeyId: keyId,
      Message: digest,
      MessageType: 'DIGEST',
      SigningAlgorithm: 'ECDSA_SHA_256',
    }),
  );
  return ethereumSignatureFromDer(digest, der!, address);
}

interface Row {
  signer: string;
  getPublicKey: number;
  sign: number;
  firstCalls: number;
  wallMs: number;
}

async function measure(
  signer: string,
  motoUrl: string,
  keyId: string,
  expectedAddress: string,
  sign: (kms: KMSClient, digest: Uint8Array) => Promise<Signature>,
): Promise<Row> {
  const proxy = await startKmsProxy(motoUrl);
  const { kms } = createAwsClients({
    region: MOTO_REGION,
    endpoint: proxy.url,
    credentials: MOTO_BOOTSTRAP_CREDENTIALS,
  });
  try {
    const started = performance.now();
    let firstCalls = 0;
    for (let i = 0; i < SIGNATURES; i++) {
      const digest = getBytes(randomBytes(32));
      const signature = await sign(kms, digest);
      if (recoverAddress(digest, signature) !== expectedAddress)
        throw new Error(`${signer}: bad signature`);
      if (i === 0) firstCalls = proxy.operations.length;
    }
    const wallMs = performance.now() - started;
    const count = (op: string) => proxy.operations.filter((o) => o === op).length;
    return { signer, getPublicKey: count('GetPublicKey'), sign: count('Sign'), firstCalls, wallMs };
  } finally {
    kms.destroy();
    await proxy.close();
  }
}

function table(rows: Row[]): string {
  const lines = [
    '| signer | signatures | GetPublicKey | Sign | KMS calls | calls for the 1st signature | calls per signature after the 1st | wall time (ms) | ms per signature |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const total = row.getPublicKey + row.sign;
    const after = (total - row.firstCalls) / (SIGNATURES - 1);
    lines.push(
      `| ${row.signer} | ${SIGNATURES} | ${row.getPublicKey} | ${row.sign} | ${total} | ${row.firstCalls} | ${after.toFixed(2)} | ${row.wallMs.toFixed(0)} | ${(row.wallMs / SIGNATURES).toFixed(2)} |`,
    );
  }
  return lines.join('\n');
}

async function main() {
  const moto = await startMoto();
  try {
    const setup = createAwsClients({
      region: MOTO_REGION,
      endpoint: moto.url,
      credentials: MOTO_BOOTSTRAP_CREDENTIALS,
    });
    const created = await setup.kms.send(
      new CreateKeyCommand({ KeySpec: 'ECC_SECG_P256K1', KeyUsage: 'SIGN_VERIFY' }),
    );
    const keyId = created.KeyMetadata!.KeyId!;
    const address = await new KmsSigner({ kms: setup.kms, keyId }).getAddress();
    setup.kms.destroy();

    // Warm up moto (first requests load its KMS backend) so neither side pays for it.
    await measure('warm-up', moto.url, keyId, address, (kms, digest) =>
      naiveSignDigest(kms, keyId, digest),
    );

    const rows: Row[] = [];
    let signer: KmsSigner | undefined;
    rows.push(
      await measure('KmsSigner (public key cached)', moto.url, keyId, address, (kms, digest) => {
        signer ??= new KmsSigner({ kms, keyId });
        return signer.signDigest(digest);
      }),
    );
    rows.push(
      await measure(
        'naive (GetPublicKey every signature)',
        moto.url,
        keyId,
        address,
        (kms, digest) => naiveSignDigest(kms, keyId, digest),
      ),
    );
    console.log(
      `KMS signer benchmark: ${SIGNATURES} signatures of random digests, moto_server over HTTP on 127.0.0.1, sequential.\n`,
    );
    console.log(table(rows));
  } finally {
    await moto.stop();
  }
}

await main();
