/**
 * A minimal equivalent of Multicall3's `getEthBalance` batched in one `eth_call`: runtime code
 * that reads the calldata as 32-byte words, one address each, and returns one 32-byte balance per
 * word (the BALANCE opcode, as Multicall3's getEthBalance does). No compiler is available offline
 * and Multicall3's bytecode is not vendored, so the 28 bytes are assembled by hand:
 *
 *   00 PUSH1 0          i = 0
 *   02 JUMPDEST         loop:
 *   03 CALLDATASIZE
 *   04 DUP2
 *   05 LT               i < calldatasize
 *   06 ISZERO
 *   07 PUSH1 0x15
 *   09 JUMPI            else goto end
 *   0a DUP1
 *   0b CALLDATALOAD     word i (an address, left-padded)
 *   0c BALANCE
 *   0d DUP2
 *   0e MSTORE           memory[i] = balance
 *   0f PUSH1 32
 *   11 ADD              i += 32
 *   12 PUSH1 2
 *   14 JUMP             goto loop
 *   15 JUMPDEST         end:
 *   16 PUSH1 0
 *   18 RETURN           return memory[0, i)
 *
 * It is cheaper per address than Multicall3's aggregate3 of getEthBalance calls (no inner CALL,
 * no ABI tuples), so it is the strongest form of the multicall way, not a weakened one.
 */
import { getBytes, hexlify, zeroPadValue } from 'ethers';

export const BALANCE_READER_CODE = '0x60005b3681101560155780353181526020016002565b6000f3';
/** Where the benchmark installs it (hardhat_setCode) on every chain. */
export const BALANCE_READER_ADDRESS = '0x00000000000000000000000000000000000ba1a9';

export function encodeBalanceCall(addresses: string[]): string {
  const data = new Uint8Array(addresses.length * 32);
  addresses.forEach((a, i) => data.set(getBytes(zeroPadValue(a, 32)), i * 32));
  return hexlify(data);
}

export function decodeBalances(result: string, count: number): bigint[] {
  const bytes = getBytes(result);
  if (bytes.length !== count * 32) {
    throw new Error(`balance reader returned ${bytes.length} bytes for ${count} addresses`);
  }
  return Array.from({ length: count }, (_, i) =>
    BigInt(hexlify(bytes.subarray(i * 32, i * 32 + 32))),
  );
}
