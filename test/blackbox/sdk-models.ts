/**
 * The SDK's view of a response: the DataWorks SDK passes every body through `$dara.cast` into
 * its generated model classes (docs/WIRE.md §5), which keep declared members only, coerce
 * some types and throw on others. These builders declare the models of the workspace, member
 * and role responses (wire names and types as in the SDK's `src/models/*.ts`) so a test can
 * cast a body exactly as the SDK would.
 */
import * as $dara from '@darabonba/typescript';

export interface ModelClass {
  new (map?: Record<string, unknown>): $dara.Model;
  names(): Record<string, string>;
  types(): Record<string, unknown>;
}

export type FieldType =
  | 'string'
  | 'number'
  | 'boolean'
  | ModelClass
  | { type: 'array'; itemType: 'string' | 'number' | ModelClass };

const camel = (wire: string) => wire.charAt(0).toLowerCase() + wire.slice(1);

/** A model class like the generated ones: SDK members are the wire names in lowerCamelCase. */
export function sdkModel(fields: Record<string, FieldType>): ModelClass {
  const names = Object.fromEntries(Object.keys(fields).map((w) => [camel(w), w]));
  const types = Object.fromEntries(Object.entries(fields).map(([w, t]) => [camel(w), t]));
  return class extends $dara.Model {
    static names() {
      return names;
    }
    static types() {
      return types;
    }
  };
}

const arrayOf = (itemType: ModelClass) => ({ type: 'array' as const, itemType });

/** Casts a response body as the SDK does; throws the SDK's own error on a type mismatch. */
export function sdkView(body: Record<string, unknown>, model: ModelClass): SdkObject {
  return $dara.cast(body, new model({})) as unknown as SdkObject;
}

/** What a test reads from a cast model: members by their SDK (lowerCamelCase) names. */
export interface SdkObject {
  [member: string]: SdkValue;
}
export type SdkValue = string | number | boolean | undefined | SdkObject | SdkValue[];

const Project = sdkModel({
  AliyunResourceGroupId: 'string',
  AliyunResourceTags: arrayOf(sdkModel({ Key: 'string', Value: 'string' })),
  Description: 'string',
  DevEnvironmentEnabled: 'boolean',
  DevRoleDisabled: 'boolean',
  DisplayName: 'string',
  Id: 'number',
  Name: 'string',
  Owner: 'string',
  PaiTaskEnabled: 'boolean',
  Status: 'string',
});

const Member = sdkModel({
  ProjectId: 'number',
  Roles: arrayOf(sdkModel({ Code: 'string', Name: 'string', Type: 'string' })),
  Status: 'string',
  UserId: 'string',
  UserName: 'string',
});

const Role = sdkModel({ Code: 'string', Name: 'string', ProjectId: 'number', Type: 'string' });

export const MODELS = {
  CreateProject: sdkModel({ Id: 'number', ProjectId: 'number', RequestId: 'string' }),
  GetProject: sdkModel({ Project, RequestId: 'string' }),
  ListProjects: sdkModel({
    PagingInfo: sdkModel({
      PageNumber: 'number',
      PageSize: 'number',
      Projects: arrayOf(Project),
      TotalCount: 'number',
    }),
    RequestId: 'string',
  }),
  RequestIdOnly: sdkModel({ RequestId: 'string' }),
  GetProjectMember: sdkModel({ ProjectMember: Member, RequestId: 'string' }),
  ListProjectMembers: sdkModel({
    PagingInfo: sdkModel({
      PageNumber: 'number',
      PageSize: 'number',
      ProjectMembers: arrayOf(Member),
      TotalCount: 'number',
    }),
    RequestId: 'string',
  }),
  // Both SDK models declare these paging members as strings.
  ListProjectRoles: sdkModel({
    PagingInfo: sdkModel({
      PageNumber: 'string',
      PageSize: 'string',
      ProjectRoles: arrayOf(Role),
      TotalCount: 'string',
    }),
    RequestId: 'string',
  }),
  GetProjectRole: sdkModel({ ProjectRole: Role, RequestId: 'string' }),
};
