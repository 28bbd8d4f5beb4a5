/**
 * The statuses a workspace can be in (DataWorks' list). Apart from the service so that the
 * operation declarations (and so the CLI, which reads them) need not load the store code.
 */
export const WORKSPACE_STATUSES = [
  'Available',
  'Initializing',
  'InitFailed',
  'Forbidden',
  'Deleting',
  'DeleteFailed',
  'Frozen',
  'Updating',
  'UpdateFailed',
] as const;
export type WorkspaceStatus = (typeof WORKSPACE_STATUSES)[number];
