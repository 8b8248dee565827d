import { InputError } from '../errors.js';
import { isWorkflowAlertName, WORKFLOW_ALERT_NAMES } from '../notify/catalog.js';
import type { Alert } from '../notify/message.js';

/** An alert named by the operator or a workflow (`--alert KeymasterBankLow`), checked as input. */
export function explicitAlert(
  name: string,
  environment: string,
  base: { repository: string; run?: { id: string; url: string }; what: string },
): Alert {
  if (!isWorkflowAlertName(name)) {
    throw new InputError(`alert "${name}" is not one of ${WORKFLOW_ALERT_NAMES.join(', ')}`);
  }
  if (!/^[\w-]+$/.test(environment)) {
    throw new InputError(`environment "${environment}" is not an environment name (like staging)`);
  }
  return {
    name,
    environment,
    repository: base.repository,
    ...(base.run ? { run: base.run } : {}),
    what: base.what
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean),
    action: 'trigger',
  };
}
