export { ACTIONS, PERMISSION_MATRIX, ROLE_LEVELS, renderPermissionMatrix, roleAllows, type Action, type RoleLevel } from './permission-matrix';
export { can, mayGrant, principalLevel, roleRank, type PermissionTarget, type PrincipalLevel } from './can';
