export { DATA_SOURCE_USERS } from './resolver.js';
export type { RuleView, SharedEntry } from './sharing-service.js';
