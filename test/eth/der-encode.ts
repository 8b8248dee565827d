/** Test-side DER encoding of ECDSA-Sig-Value, written independently of the parser under test. */
function length(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return [0x80 | bytes.length, ...bytes];
}

export function tlv(tag: number, content: Uint8Array | number[]): Uint8Array {
  const body = [...content];
  return Uint8Array.from([tag, ...length(body.length), ...body]);
}

/** Minimal two's-complement big-endian bytes of a non-negative integer (leading 00 if needed). */
export function integerBytes(value: bigint): number[] {
  let hex = value.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  const bytes = [...Buffer.from(hex, 'hex')];
  return bytes[0]! & 0x80 ? [0, ...bytes] : bytes;
}

export function derInteger(value: bigint): Uint8Array {
  return tlv(0x02, integerBytes(value));
}

export function derSignature(r: bigint, s: bigint): Uint8Array {
  return tlv(0x30, [...derInteger(r), ...derInteger(s)]);
}
