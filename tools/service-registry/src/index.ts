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
  secretVariables,
  type SecretVariable,
  serviceEnvironment,
  startOrder,
  type TokenEdge,
  tokenEdges,
  variableName,
} from './derived';
export { generatedFiles, REGENERATE_COMMAND, staleGeneratedFiles } from './generate/files';
