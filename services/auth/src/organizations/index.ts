export type { ApiKeyRecord, Member, Organization, Workspace } from './governance-model';
export { checkLabel, checkSlug, checkSubject } from './names';
