import { getAddress } from 'ethers';
import { z } from 'zod';

/** The value types the environment file's fields share: amounts, names, addresses, RPC variables. */

/** A positive decimal in the chain's native unit, e.g. "0.5". Never a number: floats never touch money. */
export const Amount = z
  .string()
  .regex(/^(0|[1-9][0-9]*)(\.[0-9]+)?$/, {
    error: (issue) =>
      typeof issue.input === 'string' && issue.input.trim().startsWith('-')
        ? 'must not be negative: amounts are decimal strings in the native unit, like "0.5"'
        : 'must be a decimal string in the native unit, like "0.5" (quote it in YAML)',
  })
  .describe('Decimal amount in the network native unit, as a string, e.g. "0.5".');

/** Looks like an endpoint rather than a variable name. The value itself is never put in a message: it may carry an API key. */
export function looksLikeUrl(value: unknown): boolean {
  return typeof value === 'string' && (value.includes('://') || /^(https?|wss?):/i.test(value));
}

/**
 * Only variables named `*_RPC_URL` are read as RPC URLs: a file cannot make the toolkit read (and
 * treat as an endpoint) `AWS_SECRET_ACCESS_KEY` or any other variable of the process.
 */
export const RPC_URL_ENV_PATTERN = /^[A-Z][A-Z0-9_]*_RPC_URL$/;

export const RpcUrlEnvName = z.string().regex(RPC_URL_ENV_PATTERN, {
  error: (issue) =>
    looksLikeUrl(issue.input)
      ? 'this is a URL, not a variable name: put the URL in a secret/variable and give its name here (like ETHEREUM_RPC_URL); RPC URLs often carry an API key, so rotate the key if this was ever pushed'
      : 'must be the NAME of an environment variable holding the RPC URL, upper case and ending in _RPC_URL (like ETHEREUM_RPC_URL), never the URL itself; other variables are never read',
});

export const Name = z.string().regex(/^[a-zA-Z][a-zA-Z0-9]*$/, {
  message: 'must be letters and digits, starting with a letter (it becomes part of KMS aliases)',
});

export const Address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, { message: 'must be a 0x-prefixed 20-byte hex address' })
  .refine(hasValidChecksum, {
    message:
      'has a wrong EIP-55 checksum (mixed case that does not match the address): copy the address again, or write it all in lower case',
  });

/** All-lower or all-upper hex carries no checksum; mixed case must be the address's EIP-55 form. */
function hasValidChecksum(address: string): boolean {
  const hex = address.slice(2);
  if (!/^[0-9a-fA-F]{40}$/.test(hex) || hex === hex.toLowerCase() || hex === hex.toUpperCase()) {
    return true;
  }
  try {
    return getAddress(address) === address;
  } catch {
    return false;
  }
}
