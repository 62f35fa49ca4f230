/** Who may call what: the restricted-API categories shared by the HTTP and gRPC frontends. */
export {
  API_CATEGORIES,
  type ApiCategory,
  carriesRestrictionValue,
  GRPC_RESTRICTION_PREFIX,
  parseRestrictions,
  type Restriction,
  type Restrictions,
} from './restricted-apis.js';
