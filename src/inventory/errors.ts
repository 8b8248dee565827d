import { InputError } from '../errors.js';

/** A name, pattern or document the inventory would produce breaks an AWS rule or the scheme. */
export class InventoryError extends InputError {}
