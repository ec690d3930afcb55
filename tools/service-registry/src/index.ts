export { REGISTRY_FILE, REPO_ROOT } from './paths';
export {
  loadRegistry,
  parseRegistry,
  type Registry,
  RegistryError,
  type RedisUse,
  type Service,
  type ServiceKind,
  serviceNamed,
} from './registry';
export {
  callersOf,
  databaseNames,
  type EnvironmentValues,
  managementPorts,
  partitionsVariable,
  replicaEnvironment,
  secretVariables,
  type SecretVariable,
  serviceEnvironment,
  startOrder,
  type TokenEdge,
  tokenEdges,
  variableName,
} from './derived';
export { composeServiceNames } from './generate/compose';
export { generatedFiles, REGENERATE_COMMAND, staleGeneratedFiles } from './generate/files';
