import { z } from 'zod';
import { Environment } from './schema.js';

export const SCHEMA_ID =
  'https://raw.githubusercontent.com/nomad-xyz/nomad-agent-ops/main/environments/environment.schema.json';

/**
 * The JSON Schema of an environment file, as committed in `environments/environment.schema.json`
 * (`npm run schema` writes it). Draft-07 because it is what yaml-language-server supports best.
 */
export function renderJsonSchema(): string {
  const generated = z.toJSONSchema(Environment, { io: 'input', target: 'draft-7' });
  const { $schema, ...rest } = generated;
  const schema = {
    $schema,
    $id: SCHEMA_ID,
    title: 'Nomad agent-ops environment',
    ...rest,
  };
  return JSON.stringify(schema, null, 2) + '\n';
}
