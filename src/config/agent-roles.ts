/** The agent roles of a Nomad deployment (a leaf module: the CLI's help lists them without loading the schema). */
export const AGENT_ROLES = ['updater', 'watcher', 'relayer', 'processor', 'kathy'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];
