export {
  loadEnvironmentFile,
  loadEnvironmentText,
  resolveEnvironmentArg,
  type LoadResult,
} from './load.js';
export { formatProblem, formatPath, type Problem } from './problem.js';
export { ConfigError } from './errors.js';
export { renderJsonSchema } from './json-schema.js';
export { crossFieldIssues, fundedRoles } from './validate.js';
export { resolveEnvironment } from './resolve.js';
export type * from './model.js';
export * from './schema.js';
