export type { RuleView, SharedEntry } from './sharing-service.js';
