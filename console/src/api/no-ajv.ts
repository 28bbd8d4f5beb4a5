/**
 * Stands in for @rjsf/validator-ajv8, which @rjsf/core's test helpers import: Ajv compiles
 * schemas with `new Function`, which the console's Content-Security-Policy forbids. The
 * console uses schema-validator.ts instead.
 */
import { apiValidator } from './schema-validator';

export default apiValidator;
export const customizeValidator = () => apiValidator;
