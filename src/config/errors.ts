import { InputError } from '../errors.js';

/**
 * An environment file (or a config value built by hand for the library) that cannot be used as
 * given. Loading never throws it: `loadEnvironmentFile` returns located problems instead. It is
 * thrown by the helpers a caller may reach without loading, and says what to fix.
 */
export class ConfigError extends InputError {
  override name = 'ConfigError';
}
