/**
 * Connectivity tests of data source configurations, for TestDataSourceConnectivity. The API
 * layer builds one ConnectivityTester from the configuration and turns ConnectivityBusyError
 * into a Throttling.User error.
 */
export { redactor } from './steps.js';
export { ConnectivityTester } from './tester.js';
export {
  ConnectivityBusyError,
  type ConnectivityInput,
  type ConnectivityOptions,
  type ConnectivityResult,
  type ConnectState,
  DEFAULT_CONNECTIVITY_OPTIONS,
  type DetailLog,
  type FailureState,
  type ProbeFamily,
  STEP_CODES,
  type StepCode,
} from './types.js';
