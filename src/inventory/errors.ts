/** A name, pattern or document the inventory would produce breaks an AWS rule or the scheme. */
export class InventoryError extends Error {
  override name = 'InventoryError';
}
