import { OperationError } from '../errors.js';

/**
 * A minimal DER reader: just enough for the two structures KMS hands back
 * (SubjectPublicKeyInfo and ECDSA-Sig-Value). Strict: definite lengths only, no trailing bytes.
 */
export interface DerElement {
  tag: number;
  /** The element's content (without tag and length). */
  content: Uint8Array;
  /** Offset just past this element in the input. */
  end: number;
}

/** KMS answered bytes that are not the DER structure expected: the key or the answer is unusable. */
export class DerError extends OperationError {
  override name = 'DerError';
}

export function readDerElement(bytes: Uint8Array, offset = 0): DerElement {
  if (offset + 2 > bytes.length) throw new DerError(`DER: truncated at byte ${offset}`);
  const tag = bytes[offset]!;
  let length = bytes[offset + 1]!;
  let cursor = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4)
      throw new DerError(`DER: unsupported length form at byte ${offset + 1}`);
    if (cursor + count > bytes.length)
      throw new DerError(`DER: truncated length at byte ${offset + 1}`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[cursor + i]!;
    cursor += count;
  }
  const end = cursor + length;
  if (end > bytes.length) throw new DerError(`DER: element at byte ${offset} runs past the end`);
  return { tag, content: bytes.subarray(cursor, end), end };
}

/** Reads the children of a constructed element (SEQUENCE). */
export function readDerChildren(content: Uint8Array): DerElement[] {
  const children: DerElement[] = [];
  let offset = 0;
  while (offset < content.length) {
    const child = readDerElement(content, offset);
    children.push(child);
    offset = child.end;
  }
  return children;
}

export const DER_TAG = { INTEGER: 0x02, BIT_STRING: 0x03, OID: 0x06, SEQUENCE: 0x30 } as const;
