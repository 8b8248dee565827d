export * from './types.js';
export { agentConfigFor, parseAgent, type AgentConfigRequest } from './config.js';
export { agentVariables, networkVar, type AgentVariables } from './variables.js';
export { helmValuesFor, type HelmValues } from './helm.js';
export {
  AGENT_CONFIG_FORMATS,
  agentConfigJson,
  parseFormat,
  renderAgentConfig,
  renderEnv,
  renderHelm,
  type AgentConfigFormat,
} from './render.js';
export {
  attestationConfig,
  type AttestationConfig,
  type MissingAttestationKey,
} from './attestations.js';
